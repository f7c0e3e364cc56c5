//! Property tests: masking never panics on missing cells, pseudonyms are
//! deterministic 64-hex strings, and generalization keeps the missing mask.

use medsynth_data::mask::{MaskOptions, mask_table, pseudonym};
use medsynth_data::{
    Column, ColumnData, ColumnSchema, IdentifierType, Kind, MaskAction, Schema, Table,
};
use proptest::prelude::*;

fn schema(name: &str, t: IdentifierType, a: MaskAction) -> Schema {
    let mut cs = ColumnSchema::new(name, Kind::Identifier);
    cs.identifier = Some(t);
    cs.action = Some(a);
    Schema { columns: vec![cs] }
}

proptest! {
    #[test]
    fn pseudonyms_are_deterministic_hex(v in "\\PC{0,40}", key in proptest::collection::vec(any::<u8>(), 16..64)) {
        let a = pseudonym(&key, &v).unwrap();
        prop_assert_eq!(a.len(), 64);
        prop_assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        prop_assert_eq!(a, pseudonym(&key, &v).unwrap());
    }

    #[test]
    fn date_generalization_keeps_missing_cells(
        cells in proptest::collection::vec((any::<bool>(), -40_000i64..40_000), 0..60),
    ) {
        let secs = cells.iter().map(|(_, d)| d * 86_400).collect();
        let valid: Vec<bool> = cells.iter().map(|(v, _)| *v).collect();
        let col = Column::new("dob", ColumnData::DateTime { secs, date_only: true }, valid.clone());
        let t = Table::new(vec![col]).unwrap();
        for (ty, action) in [
            (IdentifierType::BirthDate, MaskAction::Generalize),
            (IdentifierType::ExactDate, MaskAction::Generalize),
            (IdentifierType::Mrn, MaskAction::Pseudonymize),
            (IdentifierType::Name, MaskAction::Fake),
            (IdentifierType::RowKey, MaskAction::Drop),
        ] {
            let opts = MaskOptions { secret: Some(vec![7; 32]), ..Default::default() };
            let out = mask_table(&t, &schema("dob", ty, action), &opts).unwrap();
            if let Some(c) = out.table.column("dob") {
                prop_assert_eq!(&c.valid, &valid);
            }
        }
    }

    #[test]
    fn postcode_prefix_never_panics(cells in proptest::collection::vec(proptest::option::of("\\PC{0,12}"), 0..40), k in 0usize..8) {
        let t = Table::new(vec![Column::from_strs("zip", &cells)]).unwrap();
        let opts = MaskOptions { postcode_prefix: k, ..Default::default() };
        let out = mask_table(&t, &schema("zip", IdentifierType::Postcode, MaskAction::Generalize), &opts).unwrap();
        let c = out.table.column("zip").unwrap();
        for (r, cell) in cells.iter().enumerate() {
            prop_assert_eq!(c.is_valid(r), cell.is_some());
            if let Some(v) = c.label(r) { prop_assert!(v.chars().count() <= k.max(1)); }
        }
    }
}
