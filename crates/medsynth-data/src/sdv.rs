//! SDV metadata (`SINGLE_TABLE_V1`, or the multi-table form holding one
//! table) mapped onto our schema, so a team that already described its
//! table for SDV does not start over.
//!
//! Mapping: `numerical` → `integer` when `computer_representation` is an
//! integer type (or, absent that, when the data column is stored as
//! integers), else `continuous`; `categorical`, `boolean`, `datetime` map
//! directly; `id` → identifier (the primary key is a row key and dropped,
//! other ids are record numbers and pseudonymised); PII sdtypes (`email`,
//! `phone_number`, `name`, `address`, `ssn`, `postcode`, ...) → identifier
//! of that type. SDV metadata carries no bounds or categories, so
//! [`from_sdv_metadata`] reads them off the data.

use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::error::{DataError, Location, Result};
use crate::schema::{ColumnSchema, IdentifierType, Kind, MaskAction, Role, Schema};
use crate::table::{PhysicalType, Table};

const TOP_FIELDS: &[&str] = &[
    "columns",
    "primary_key",
    "alternate_keys",
    "sequence_key",
    "sequence_index",
    "METADATA_SPEC_VERSION",
];
const MULTI_FIELDS: &[&str] = &["tables", "relationships", "METADATA_SPEC_VERSION"];
const COLUMN_FIELDS: &[&str] = &[
    "sdtype",
    "computer_representation",
    "datetime_format",
    "pii",
    "regex_format",
    "order",
    "order_by",
];

/// Whether a JSON document is SDV metadata rather than our schema format.
pub fn is_sdv_metadata(json: &Json) -> bool {
    json.get("columns").is_some_and(Json::is_object)
        || json.get("tables").is_some_and(Json::is_object)
}

/// SDV metadata completed with bounds and categories from `table`
/// (`path` names the metadata file in errors).
pub fn from_sdv_metadata(json: &Json, table: &Table, path: &Path) -> Result<Schema> {
    let mut schema = parse_with_types(json, path, Some(table))?;
    schema.fill_from_data(table);
    Ok(schema)
}

/// SDV metadata without data: kinds, roles and identifier types only.
pub fn parse_sdv_metadata(json: &Json, path: &Path) -> Result<Schema> {
    parse_with_types(json, path, None)
}

fn parse_with_types(json: &Json, path: &Path, table: Option<&Table>) -> Result<Schema> {
    let loc = || Location::file(path);
    let top = json
        .as_object()
        .ok_or_else(|| DataError::invalid(loc(), "SDV metadata must be a JSON object"))?;
    let single = if let Some(tables) = top.get("tables") {
        check_fields(top, MULTI_FIELDS, loc(), "top-level")?;
        let tables = tables
            .as_object()
            .ok_or_else(|| DataError::invalid(loc(), "\"tables\" must be an object"))?;
        if tables.len() != 1 {
            let names: Vec<&String> = tables.keys().collect();
            return Err(DataError::invalid(
                loc(),
                format!(
                    "SDV metadata describes {} tables ({names:?}); medsynth synthesises one table at a time",
                    tables.len()
                ),
            ));
        }
        tables
            .values()
            .next()
            .and_then(Json::as_object)
            .ok_or_else(|| DataError::invalid(loc(), "the table entry must be an object"))?
    } else {
        top
    };
    check_fields(single, TOP_FIELDS, loc(), "table-level")?;
    let primary_key = single.get("primary_key").and_then(Json::as_str);
    let cols = single
        .get("columns")
        .and_then(Json::as_object)
        .ok_or_else(|| {
            DataError::invalid(
                loc(),
                "SDV metadata needs \"columns\": {name: {\"sdtype\": ...}}",
            )
        })?;

    let mut columns = Vec::with_capacity(cols.len());
    for (name, spec) in cols {
        let cloc = || Location::file(path).with_column(name.clone());
        let spec = spec
            .as_object()
            .ok_or_else(|| DataError::invalid(cloc(), "column metadata must be an object"))?;
        check_fields(spec, COLUMN_FIELDS, cloc(), "column")?;
        let sdtype = spec
            .get("sdtype")
            .and_then(Json::as_str)
            .ok_or_else(|| DataError::invalid(cloc(), "missing \"sdtype\""))?;
        let repr = spec.get("computer_representation").and_then(Json::as_str);
        let stored_int = table
            .and_then(|t| t.column(name))
            .map(|c| c.physical_type() == PhysicalType::Int);
        let cs = map_sdtype(
            name,
            sdtype,
            repr,
            stored_int,
            primary_key == Some(name.as_str()),
        )
        .map_err(|m| DataError::invalid(cloc(), m))?;
        columns.push(cs);
    }
    // SDV keeps columns in a map; follow the data's order when we have it.
    if let Some(t) = table {
        columns.sort_by_key(|c| t.column_index(&c.name).unwrap_or(usize::MAX));
    }
    Ok(Schema { columns })
}

fn check_fields(
    obj: &Map<String, Json>,
    allowed: &[&str],
    loc: Location,
    what: &str,
) -> Result<()> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(DataError::invalid(
            loc,
            format!(
                "unknown {what} field '{k}' in SDV metadata; known fields are {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn map_sdtype(
    name: &str,
    sdtype: &str,
    repr: Option<&str>,
    stored_int: Option<bool>,
    is_pk: bool,
) -> Result<ColumnSchema, String> {
    let id = |t: IdentifierType, action: MaskAction| {
        let mut cs = ColumnSchema::new(name, Kind::Identifier);
        cs.role = Role::Identifier;
        cs.identifier = Some(t);
        cs.action = Some(action);
        cs
    };
    Ok(match sdtype {
        "numerical" => {
            let int = match repr {
                Some(r)
                    if r.starts_with("Int")
                        || r.starts_with("UInt")
                        || r.starts_with("int")
                        || r.starts_with("uint") =>
                {
                    true
                }
                Some("Float" | "float" | "Float32" | "Float64") => false,
                Some(other) => {
                    return Err(format!(
                        "unknown computer_representation '{other}' (expected Float, Int8..Int64, UInt8..UInt64)"
                    ));
                }
                None => stored_int.unwrap_or(false),
            };
            ColumnSchema::new(name, if int { Kind::Integer } else { Kind::Continuous })
        }
        "categorical" => ColumnSchema::new(name, Kind::Categorical),
        "boolean" => ColumnSchema::new(name, Kind::Boolean),
        "datetime" => ColumnSchema::new(name, Kind::Datetime),
        "id" if is_pk => id(IdentifierType::RowKey, MaskAction::Drop),
        "id" => id(IdentifierType::Mrn, MaskAction::Pseudonymize),
        "email" => id(IdentifierType::Email, MaskAction::Fake),
        "phone_number" => id(IdentifierType::Phone, MaskAction::Fake),
        "name" | "first_name" | "last_name" | "name_prefix" | "name_suffix" => {
            id(IdentifierType::Name, MaskAction::Fake)
        }
        "address" | "street_address" | "secondary_address" => {
            id(IdentifierType::Address, MaskAction::Fake)
        }
        "ssn" => id(IdentifierType::Ssn, MaskAction::Pseudonymize),
        "postcode" | "zipcode" => id(IdentifierType::Postcode, MaskAction::Generalize),
        "date_of_birth" => id(IdentifierType::BirthDate, MaskAction::Generalize),
        "credit_card_number" | "iban" | "swift11" | "swift8" | "license_plate" | "ipv4_address"
        | "ipv6_address" | "mac_address" | "user_name" | "uuid" => {
            id(IdentifierType::RowKey, MaskAction::Drop)
        }
        "text" | "unknown" => {
            let mut cs = ColumnSchema::new(name, Kind::Text);
            cs.identifier = Some(IdentifierType::FreeText);
            cs.action = Some(MaskAction::Drop);
            cs
        }
        other => {
            return Err(format!(
                "unsupported sdtype '{other}'; supported: numerical, categorical, boolean, datetime, id, email, \
                 phone_number, name, address, ssn, postcode, text (declare it in medsynth's schema.json instead)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    fn table() -> Table {
        Table::new(vec![
            Column::from_i64("id", &[Some(1), Some(2), Some(3)]),
            Column::from_i64("age", &[Some(30), Some(50), None]),
            Column::from_strs("sex", &[Some("F"), Some("M"), Some("F")]),
            Column::from_strs(
                "email",
                &[Some("a@x.org"), Some("b@x.org"), Some("c@x.org")],
            ),
            Column::from_f64("bmi", &[Some(20.5), Some(31.25), Some(25.0)]),
        ])
        .unwrap()
    }

    #[test]
    fn single_table_metadata_maps_and_merges_bounds() {
        let json: Json = serde_json::from_str(
            r#"{"columns": {"age": {"sdtype": "numerical", "computer_representation": "Int64"},
                "sex": {"sdtype": "categorical"}, "id": {"sdtype": "id"},
                "email": {"sdtype": "email", "pii": true}, "bmi": {"sdtype": "numerical"}},
                "primary_key": "id", "METADATA_SPEC_VERSION": "SINGLE_TABLE_V1"}"#,
        )
        .unwrap();
        let s = from_sdv_metadata(&json, &table(), Path::new("meta.json")).unwrap();
        let names: Vec<&str> = s.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "age", "sex", "email", "bmi"]);
        let age = s.column("age").unwrap();
        assert_eq!(
            (age.kind, age.min, age.max),
            (Kind::Integer, Some(30.0), Some(50.0))
        );
        assert_eq!(
            s.column("sex").unwrap().categories.as_deref(),
            Some(&["F".to_string(), "M".to_string()][..])
        );
        assert_eq!(
            s.column("id").unwrap().identifier,
            Some(IdentifierType::RowKey)
        );
        assert_eq!(
            s.column("email").unwrap().identifier,
            Some(IdentifierType::Email)
        );
        let bmi = s.column("bmi").unwrap();
        assert_eq!((bmi.kind, bmi.decimals), (Kind::Continuous, Some(2)));
    }

    #[test]
    fn multi_table_with_one_table_and_errors() {
        let json: Json = serde_json::from_str(
            r#"{"tables": {"patients": {"columns": {"age": {"sdtype": "numerical"}}}}, "relationships": [],
                "METADATA_SPEC_VERSION": "MULTI_TABLE_V1"}"#,
        )
        .unwrap();
        let s = parse_sdv_metadata(&json, Path::new("m.json")).unwrap();
        assert_eq!(s.columns[0].kind, Kind::Continuous);

        let bad: Json =
            serde_json::from_str(r#"{"columns": {"age": {"sdtype": "numerial"}}}"#).unwrap();
        let e = parse_sdv_metadata(&bad, Path::new("m.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.json") && e.contains("'age'") && e.contains("numerial"),
            "{e}"
        );
        let bad: Json =
            serde_json::from_str(r#"{"columns": {"age": {"sdtype": "numerical", "bounds": 3}}}"#)
                .unwrap();
        let e = parse_sdv_metadata(&bad, Path::new("m.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'age'") && e.contains("bounds"), "{e}");
    }
}
