//! Calculator spec strings: `NAME`, `NAME:key=value,key=value`, `NAME:positional[:...]`.

use super::CalcError;

/// A parsed spec string.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The full text as given.
    pub text: String,
    /// Calculator name (before the first ':').
    pub name: String,
    /// Everything after the first ':' (may itself contain ':' for engines).
    pub rest: Option<String>,
}

impl Spec {
    /// Split a spec string into name and rest.
    ///
    /// # Errors
    /// An empty name.
    pub fn parse(text: &str) -> Result<Self, CalcError> {
        let text = text.trim();
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n.trim(), Some(r.trim().to_string())),
            None => (text, None),
        };
        if name.is_empty() {
            return Err(CalcError::BadSpec {
                spec: text.to_string(),
                problem: "empty calculator name".into(),
            });
        }
        Ok(Spec {
            text: text.to_string(),
            name: name.to_ascii_lowercase(),
            rest: rest.filter(|r| !r.is_empty()),
        })
    }

    /// The rest read as `key=value` pairs, checked against `allowed` keys.
    ///
    /// # Errors
    /// Malformed pairs, unknown or repeated keys.
    pub fn params(&self, allowed: &[&str]) -> Result<Params, CalcError> {
        let mut pairs = Vec::new();
        if let Some(rest) = &self.rest {
            for item in rest.split(',') {
                let item = item.trim();
                if item.is_empty() {
                    continue;
                }
                let Some((k, v)) = item.split_once('=') else {
                    return Err(self.error(format!("expected key=value, got '{item}'")));
                };
                let k = k.trim();
                if !allowed.contains(&k) {
                    return Err(self.error(format!(
                        "unknown parameter '{k}' (allowed: {})",
                        if allowed.is_empty() {
                            "none".to_string()
                        } else {
                            allowed.join(", ")
                        }
                    )));
                }
                if pairs.iter().any(|(key, _): &(String, String)| key == k) {
                    return Err(self.error(format!("parameter '{k}' given twice")));
                }
                pairs.push((k.to_string(), v.trim().to_string()));
            }
        }
        Ok(Params {
            spec: self.text.clone(),
            pairs,
        })
    }

    /// A [`CalcError::BadSpec`] for this spec.
    pub fn error(&self, problem: String) -> CalcError {
        CalcError::BadSpec {
            spec: self.text.clone(),
            problem,
        }
    }
}

/// Checked `key=value` parameters of a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    spec: String,
    pairs: Vec<(String, String)>,
}

impl Params {
    /// A float parameter, or `default` when absent.
    ///
    /// # Errors
    /// A value that is not a finite number.
    pub fn f64_or(&self, key: &str, default: f64) -> Result<f64, CalcError> {
        match self.pairs.iter().find(|(k, _)| k == key) {
            None => Ok(default),
            Some((_, v)) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| CalcError::BadSpec {
                    spec: self.spec.clone(),
                    problem: format!("parameter '{key}' must be a number, got '{v}'"),
                }),
        }
    }

    /// An optional float parameter.
    ///
    /// # Errors
    /// A value that is not a finite number.
    pub fn f64_opt(&self, key: &str) -> Result<Option<f64>, CalcError> {
        if self.pairs.iter().any(|(k, _)| k == key) {
            self.f64_or(key, 0.0).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An optional string parameter.
    pub fn str_opt(&self, key: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// A boolean parameter (`true/false/1/0/yes/no`), or `default`.
    ///
    /// # Errors
    /// A value that is not a boolean.
    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, CalcError> {
        match self.pairs.iter().find(|(k, _)| k == key) {
            None => Ok(default),
            Some((_, v)) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "t" => Ok(true),
                "false" | "0" | "no" | "f" => Ok(false),
                _ => Err(CalcError::BadSpec {
                    spec: self.spec.clone(),
                    problem: format!("parameter '{key}' must be true or false, got '{v}'"),
                }),
            },
        }
    }

    /// A positive float parameter, or `default`.
    ///
    /// # Errors
    /// A value that is not a positive number.
    pub fn positive_or(&self, key: &str, default: f64) -> Result<f64, CalcError> {
        let v = self.f64_or(key, default)?;
        if v > 0.0 {
            Ok(v)
        } else {
            Err(CalcError::BadSpec {
                spec: self.spec.clone(),
                problem: format!("parameter '{key}' must be positive, got {v}"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let s = Spec::parse("morse:D=0.7,alpha=1.6").unwrap();
        assert_eq!(s.name, "morse");
        let p = s.params(&["D", "alpha", "r0", "rc"]).unwrap();
        assert_eq!(p.f64_or("D", 1.0).unwrap(), 0.7);
        assert_eq!(p.f64_or("r0", 2.0).unwrap(), 2.0);
        let e = s.params(&["D"]).unwrap_err().to_string();
        assert!(e.contains("unknown parameter 'alpha'"), "{e}");
        let s = Spec::parse("eam:/path/with:colon.eam").unwrap();
        assert_eq!(s.rest.as_deref(), Some("/path/with:colon.eam"));
        assert!(Spec::parse(":x").is_err());
        let s = Spec::parse("lj:sigma=abc").unwrap();
        assert!(s.params(&["sigma"]).unwrap().f64_or("sigma", 1.0).is_err());
        let s = Spec::parse("lj:sigma").unwrap();
        assert!(s.params(&["sigma"]).is_err());
        let s = Spec::parse("lj:sigma=1,sigma=2").unwrap();
        assert!(s.params(&["sigma"]).is_err());
    }
}
