//! Element table: symbol, atomic number, standard atomic mass and covalent radius.

include!("elements_table.rs");

/// One chemical element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Element {
    /// Chemical symbol, e.g. `"Cu"`.
    pub symbol: &'static str,
    /// Atomic number Z.
    pub number: u8,
    /// Standard atomic mass [amu] (IUPAC 2016, as ASE).
    pub mass: f64,
    /// Covalent radius [Å] (Cordero et al., Dalton Trans. 2008, 2832, doi:10.1039/b801115j).
    pub covalent_radius: f64,
}

/// Highest atomic number in the table.
pub const MAX_Z: u8 = ELEMENTS.len() as u8;

/// The element with atomic number `z`, if it is in the table (1..=96).
pub fn by_number(z: u8) -> Option<Element> {
    if z == 0 || z > MAX_Z {
        return None;
    }
    let (symbol, number, mass, covalent_radius) = ELEMENTS[usize::from(z) - 1];
    Some(Element {
        symbol,
        number,
        mass,
        covalent_radius,
    })
}

/// The element with chemical symbol `symbol` (exact case, as `"Cu"`).
pub fn by_symbol(symbol: &str) -> Option<Element> {
    ELEMENTS
        .iter()
        .position(|e| e.0 == symbol)
        .and_then(|i| by_number(i as u8 + 1))
}

/// Atomic number of `symbol`, if known.
pub fn number_of(symbol: &str) -> Option<u8> {
    by_symbol(symbol).map(|e| e.number)
}

/// Chemical symbol of atomic number `z` (`"X"` when unknown).
pub fn symbol_of(z: u8) -> &'static str {
    by_number(z).map_or("X", |e| e.symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for z in 1..=MAX_Z {
            let e = by_number(z).unwrap();
            assert_eq!(e.number, z);
            assert_eq!(by_symbol(e.symbol).unwrap().number, z);
            assert!(e.mass > 0.0 && e.covalent_radius > 0.0);
        }
        assert!(by_number(0).is_none());
        assert!(by_symbol("Xx").is_none());
        assert!(by_symbol("cu").is_none());
    }

    #[test]
    fn known_values() {
        // Cordero 2008: C (sp3) 0.76, N 0.71, Cu 1.32, Pd 1.39, Rn 1.50 Å; IUPAC masses
        let cu = by_symbol("Cu").unwrap();
        assert_eq!((cu.number, cu.covalent_radius), (29, 1.32));
        assert!((cu.mass - 63.546).abs() < 1e-9);
        assert_eq!(by_symbol("C").unwrap().covalent_radius, 0.76);
        assert_eq!(by_symbol("Rn").unwrap().number, 86);
        assert_eq!(by_symbol("Rn").unwrap().covalent_radius, 1.50);
    }
}
