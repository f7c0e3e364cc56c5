//! Applies the masking policy of a schema to a table, before any model sees
//! it.
//!
//! Each identifier or free-text column carries an `action` in `schema.json`
//! (suggested by [`crate::identify`], reviewed by a privacy officer):
//!
//! * `drop` removes the column from table and schema;
//! * `pseudonymize` replaces each value by HMAC-SHA256(secret, value) in hex.
//!   A keyed hash (not a plain hash) is used because MRNs and SSNs are short
//!   enough to brute-force; the same secret gives the same pseudonym in every
//!   file and run, so whoever holds it can still link extracts;
//! * `generalize` coarsens: dates of birth to year (or an age band at a fixed
//!   reference date), other exact dates to year-month (or year), postcodes to
//!   their first characters;
//! * `fake` removes the column from the table to be modelled but keeps it in
//!   the schema, so sampling can put realistic fake values back
//!   ([`crate::fake::fake_column`]);
//! * `keep` leaves it (the risk is accepted and shows in the report).
//!
//! Masking is deterministic: nothing depends on the clock (an age band needs
//! a reference date, which is an option or the latest date in the table).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::datetime::{civil_from_days, days_from_civil};
use crate::error::{DataError, Location, Result};
use crate::identify::{default_action, parse_date_text};
use crate::schema::{ColumnSchema, DomainSource, IdentifierType, Kind, MaskAction, Role, Schema};
use crate::table::{Column, ColumnData, Table};

/// The shortest secret accepted for pseudonymization: 16 bytes (128 bits),
/// so that the pseudonyms cannot be reversed by guessing the key.
pub const MIN_SECRET_BYTES: usize = 16;

/// How dates of birth are generalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BirthDateLevel {
    /// Year of birth (an integer column).
    #[default]
    Year,
    /// Age in whole years at the reference date, in bands of `width` years
    /// (`[40-50)`, a categorical column), as diabetes130 reports age.
    AgeBand { width: u32 },
}

/// How other exact person dates (visits, admissions) are generalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateLevel {
    /// The first day of the month (stays a date column, so models keep the
    /// order and seasonality).
    #[default]
    YearMonth,
    /// The year (an integer column).
    Year,
}

/// Options of [`mask_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskOptions {
    /// The key for `pseudonymize` (at least [`MIN_SECRET_BYTES`] bytes). Keep
    /// it outside the data directory; losing it breaks linkage, leaking it
    /// lets anyone test guesses of the original values.
    pub secret: Option<Vec<u8>>,
    /// The date ages are computed at for [`BirthDateLevel::AgeBand`], in
    /// seconds since 1970. `None` uses the latest date found in the table's
    /// other date columns (e.g. the visit date), never the clock, so that
    /// masking the same file twice gives the same output.
    pub reference_date: Option<i64>,
    pub birth_date: BirthDateLevel,
    pub exact_date: DateLevel,
    /// How many leading characters of a postcode survive (default 3, the
    /// HIPAA Safe Harbor ZIP3 level).
    pub postcode_prefix: usize,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            secret: None,
            reference_date: None,
            birth_date: BirthDateLevel::Year,
            exact_date: DateLevel::YearMonth,
            postcode_prefix: 3,
        }
    }
}

/// One line of the masking report (what happened to one column), for the
/// audit trail a privacy officer signs off.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MaskReportLine {
    pub column: String,
    pub action: MaskAction,
    pub detail: String,
}

/// The masked table, its updated schema, and the report.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskOutcome {
    /// The table to model: dropped and faked columns removed, pseudonymized
    /// and generalized columns replaced.
    pub table: Table,
    /// Dropped columns removed; faked columns kept (kind `identifier`,
    /// action `fake`); generalized columns with their new kind and domain.
    pub schema: Schema,
    pub report: Vec<MaskReportLine>,
}

/// Applies the schema's masking policy. Columns without an action keep
/// their values; identifier or text columns whose action is unset get the
/// default for their type (never silently kept).
pub fn mask_table(table: &Table, schema: &Schema, opts: &MaskOptions) -> Result<MaskOutcome> {
    let mut columns: Vec<Column> = Vec::with_capacity(table.n_cols());
    let mut out_schema = Schema::default();
    let mut report = Vec::new();
    let mut handled = std::collections::HashSet::new();

    for cs in &schema.columns {
        let action = effective_action(cs);
        let Some(col) = table.column(&cs.name) else {
            match action {
                // Already removed by an earlier masking run.
                Some(MaskAction::Fake) => out_schema.columns.push(cs.clone()),
                Some(MaskAction::Drop) => {}
                _ => {
                    return Err(DataError::invalid(
                        Location::default().with_column(&cs.name),
                        "the schema names this column but the table has no such column; \
                         re-run schema inference on this file or fix the name in schema.json",
                    ));
                }
            }
            continue;
        };
        handled.insert(cs.name.as_str());
        let line = |action, detail: String| MaskReportLine {
            column: cs.name.clone(),
            action,
            detail,
        };
        match action {
            None => {
                columns.push(col.clone());
                out_schema.columns.push(cs.clone());
            }
            Some(MaskAction::Keep) => {
                columns.push(col.clone());
                out_schema.columns.push(cs.clone());
                report.push(line(
                    MaskAction::Keep,
                    "kept as is: the identifying values stay in the data (risk accepted)".into(),
                ));
            }
            Some(MaskAction::Drop) => {
                report.push(line(MaskAction::Drop, "column removed".into()));
            }
            Some(MaskAction::Pseudonymize) => {
                let key = secret(opts, &cs.name)?;
                columns.push(pseudonymize(col, key)?);
                let mut s = cs.clone();
                s.kind = Kind::Identifier;
                s.role = Role::Identifier;
                s.action = Some(MaskAction::Pseudonymize);
                s.min = None;
                s.max = None;
                s.categories = None;
                out_schema.columns.push(s);
                report.push(line(
                    MaskAction::Pseudonymize,
                    "replaced by HMAC-SHA256(secret, value), 64 hex characters".into(),
                ));
            }
            Some(MaskAction::Fake) => {
                let id_type = match (cs.identifier, cs.kind) {
                    (Some(t), _) => t,
                    (None, Kind::Text) => IdentifierType::FreeText,
                    (None, _) => {
                        return Err(DataError::invalid(
                            Location::default().with_column(&cs.name),
                            "action is \"fake\" but the schema gives no identifier type to fake; \
                             set \"identifier\" (e.g. \"name\", \"email\", \"phone\") in schema.json",
                        ));
                    }
                };
                let mut s = cs.clone();
                s.kind = Kind::Identifier;
                s.role = Role::Identifier;
                s.identifier = Some(id_type);
                s.action = Some(MaskAction::Fake);
                s.min = None;
                s.max = None;
                s.categories = None;
                out_schema.columns.push(s);
                report.push(line(
                    MaskAction::Fake,
                    format!(
                        "removed before modelling; fake {} values are generated at sampling",
                        id_name(id_type)
                    ),
                ));
            }
            Some(MaskAction::Generalize) => {
                let (new_col, new_schema, detail) = generalize(col, cs, table, opts)?;
                columns.push(new_col);
                out_schema.columns.push(new_schema);
                report.push(line(MaskAction::Generalize, detail));
            }
        }
    }
    // Columns the schema does not describe pass through untouched, after the
    // described ones; the report says so, because they were not reviewed.
    for col in table.columns() {
        if !handled.contains(col.name.as_str()) && schema.column(&col.name).is_none() {
            columns.push(col.clone());
            report.push(MaskReportLine {
                column: col.name.clone(),
                action: MaskAction::Keep,
                detail: "not in the schema: kept unreviewed".into(),
            });
        }
    }
    let table = Table::new(columns).map_err(|m| DataError::invalid(Location::default(), m))?;
    Ok(MaskOutcome {
        table,
        schema: out_schema,
        report,
    })
}

/// The action to apply: the schema's, or the default for identifier and
/// text columns that have none.
fn effective_action(cs: &ColumnSchema) -> Option<MaskAction> {
    if cs.action.is_some() {
        return cs.action;
    }
    match (cs.identifier, cs.kind) {
        (Some(t), _) => Some(default_action(t)),
        (None, Kind::Identifier | Kind::Text) => Some(MaskAction::Drop),
        _ => None,
    }
}

fn id_name(t: IdentifierType) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn secret<'a>(opts: &'a MaskOptions, column: &str) -> Result<&'a [u8]> {
    match &opts.secret {
        None => Err(DataError::invalid(
            Location::default().with_column(column),
            "action \"pseudonymize\" needs a secret key: pass one with `--secret-file <FILE>` \
             (a file holding at least 16 random bytes, e.g. made with `openssl rand -hex 32`), \
             or set `MaskOptions::secret` in code; or change the action to \"drop\"",
        )),
        Some(s) if s.len() < MIN_SECRET_BYTES => Err(DataError::invalid(
            Location::default().with_column(column),
            format!(
                "the pseudonymization secret is {} bytes; use at least {MIN_SECRET_BYTES} random bytes \
                 so that pseudonyms cannot be reversed by guessing the key",
                s.len()
            ),
        )),
        Some(s) => Ok(s),
    }
}

/// HMAC-SHA256 of `value` under `key`, as lower-case hex. Values are trimmed
/// first so that `" MRN1"` and `"MRN1"` link.
pub fn pseudonym(key: &[u8], value: &str) -> Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| DataError::invalid(Location::default(), format!("bad HMAC key: {e}")))?;
    mac.update(value.trim().as_bytes());
    let bytes = mac.finalize().into_bytes();
    let mut out = String::with_capacity(64);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    Ok(out)
}

/// Pseudonymizes every valid cell; a categorical column is hashed once per
/// distinct value. Missing cells stay missing.
fn pseudonymize(col: &Column, key: &[u8]) -> Result<Column> {
    if let ColumnData::Categorical { codes, dict } = &col.data {
        let dict = dict
            .iter()
            .map(|v| pseudonym(key, v))
            .collect::<Result<Vec<_>>>()?;
        return Ok(Column::new(
            col.name.clone(),
            ColumnData::Categorical {
                codes: codes.clone(),
                dict,
            },
            col.valid.clone(),
        ));
    }
    let mut out = Vec::with_capacity(col.len());
    for r in 0..col.len() {
        out.push(match col.label(r) {
            Some(v) => pseudonym(key, &v)?,
            None => String::new(),
        });
    }
    Ok(Column::new(
        col.name.clone(),
        ColumnData::Text(out),
        col.valid.clone(),
    ))
}

/// The cell at `row` as days since 1970: date cells directly, text cells
/// parsed in the usual layouts. Unparseable text is an error naming the cell.
fn day_of(col: &Column, row: usize) -> Result<Option<i64>> {
    if !col.is_valid(row) {
        return Ok(None);
    }
    match &col.data {
        ColumnData::DateTime { secs, .. } => Ok(Some(secs[row].div_euclid(86_400))),
        ColumnData::Categorical { .. } | ColumnData::Text(_) => {
            let text = col.label(row).unwrap_or_default();
            parse_date_text(&text).map(Some).ok_or_else(|| {
                DataError::invalid(
                    Location::default().with_row(row + 1).with_column(&col.name),
                    format!("'{text}' is not a date (expected e.g. 1961-07-04 or 04/07/1961), so it cannot be generalized"),
                )
            })
        }
        _ => Err(DataError::invalid(
            Location::default().with_column(&col.name),
            format!(
                "action \"generalize\" as a date needs dates, but the column holds {} values",
                col.physical_type()
            ),
        )),
    }
}

fn is_date_column(col: &Column) -> bool {
    matches!(col.data, ColumnData::DateTime { .. })
}

/// The latest date (days) over the table's date columns other than `skip`.
fn latest_other_date(table: &Table, skip: &str) -> Option<i64> {
    table
        .columns()
        .iter()
        .filter(|c| c.name != skip)
        .filter_map(|c| match &c.data {
            ColumnData::DateTime { secs, .. } => (0..c.len())
                .filter(|&r| c.is_valid(r))
                .map(|r| secs[r].div_euclid(86_400))
                .max(),
            _ => None,
        })
        .max()
}

fn generalize(
    col: &Column,
    cs: &ColumnSchema,
    table: &Table,
    opts: &MaskOptions,
) -> Result<(Column, ColumnSchema, String)> {
    let id_type = match cs.identifier {
        Some(t) => t,
        None if is_date_column(col) || cs.kind == Kind::Datetime => IdentifierType::ExactDate,
        None => {
            return Err(DataError::invalid(
                Location::default().with_column(&cs.name),
                "action \"generalize\" needs an identifier type (birth_date, exact_date or postcode) in schema.json",
            ));
        }
    };
    let n = col.len();
    let mut s = cs.clone();
    s.identifier = None;
    s.action = None;
    s.role = if cs.role == Role::Identifier {
        Role::Feature
    } else {
        cs.role
    };
    s.domain = DomainSource::Data;
    s.decimals = None;
    s.missing_share = if n == 0 {
        0.0
    } else {
        col.missing_count() as f64 / n as f64
    };
    match id_type {
        IdentifierType::BirthDate => match opts.birth_date {
            BirthDateLevel::Year => {
                let (c, detail) = to_year(col)?;
                set_int_domain(&mut s, &c);
                Ok((c, s, format!("date of birth -> year of birth{detail}")))
            }
            BirthDateLevel::AgeBand { width } => {
                let width = width.max(1) as i64;
                let reference = match opts.reference_date {
                    Some(secs) => secs.div_euclid(86_400),
                    None => latest_other_date(table, &col.name).ok_or_else(|| {
                        DataError::invalid(
                            Location::default().with_column(&cs.name),
                            "age bands need a reference date and the table has no other date column to take it from; \
                             pass one (MaskOptions::reference_date / `--reference-date YYYY-MM-DD`)",
                        )
                    })?,
                };
                let (ry, rm, rd) = civil_from_days(reference);
                let mut labels: Vec<Option<String>> = Vec::with_capacity(n);
                let mut lows = std::collections::BTreeMap::new();
                for r in 0..n {
                    labels.push(match day_of(col, r)? {
                        None => None,
                        Some(d) => {
                            let (by, bm, bd) = civil_from_days(d);
                            let age = (ry - by - i64::from((rm, rd) < (bm, bd))).max(0);
                            let lo = age / width * width;
                            let label = format!("[{lo}-{})", lo + width);
                            lows.insert(lo, label.clone());
                            Some(label)
                        }
                    });
                }
                let c = Column::from_strs(col.name.clone(), &labels);
                s.kind = Kind::Categorical;
                s.min = None;
                s.max = None;
                s.categories = Some(lows.into_values().collect());
                let (y, m, d) = civil_from_days(reference);
                Ok((
                    c,
                    s,
                    format!("date of birth -> age band of {width} years at {y:04}-{m:02}-{d:02}"),
                ))
            }
        },
        IdentifierType::ExactDate => match opts.exact_date {
            DateLevel::Year => {
                let (c, detail) = to_year(col)?;
                set_int_domain(&mut s, &c);
                Ok((c, s, format!("exact date -> year{detail}")))
            }
            DateLevel::YearMonth => {
                let mut secs = Vec::with_capacity(n);
                for r in 0..n {
                    secs.push(match day_of(col, r)? {
                        Some(d) => {
                            let (y, m, _) = civil_from_days(d);
                            days_from_civil(y, m, 1) * 86_400
                        }
                        None => 0,
                    });
                }
                let valid = col.valid.clone();
                let c = Column::new(
                    col.name.clone(),
                    ColumnData::DateTime {
                        secs,
                        date_only: true,
                    },
                    valid,
                );
                s.kind = Kind::Datetime;
                s.categories = None;
                set_range(&mut s, &c);
                Ok((c, s, "exact date -> first day of its month".into()))
            }
        },
        IdentifierType::Postcode => {
            let k = opts.postcode_prefix.max(1);
            let mut labels: Vec<Option<String>> = Vec::with_capacity(n);
            for r in 0..n {
                labels.push(match (&col.data, col.label(r)) {
                    (_, None) => None,
                    // Integer ZIPs lost their leading zeros when read.
                    (ColumnData::Int(_), Some(v)) if v.len() < 5 => {
                        Some(format!("{v:0>5}").chars().take(k).collect())
                    }
                    (_, Some(v)) => Some(v.trim().to_uppercase().chars().take(k).collect()),
                });
            }
            let c = Column::from_strs(col.name.clone(), &labels);
            let mut cats: Vec<String> = match &c.data {
                ColumnData::Categorical { dict, .. } => dict.clone(),
                _ => Vec::new(),
            };
            cats.sort();
            s.kind = Kind::Categorical;
            s.min = None;
            s.max = None;
            s.categories = Some(cats);
            Ok((c, s, format!("postcode -> first {k} characters")))
        }
        other => Err(DataError::invalid(
            Location::default().with_column(&cs.name),
            format!(
                "action \"generalize\" is defined for dates of birth, exact dates and postcodes, not for {}; \
                 use \"fake\", \"pseudonymize\" or \"drop\"",
                id_name(other)
            ),
        )),
    }
}

/// An integer column of years.
fn to_year(col: &Column) -> Result<(Column, String)> {
    let mut years = Vec::with_capacity(col.len());
    for r in 0..col.len() {
        years.push(day_of(col, r)?.map(|d| civil_from_days(d).0));
    }
    Ok((Column::from_i64(col.name.clone(), &years), String::new()))
}

fn set_int_domain(s: &mut ColumnSchema, c: &Column) {
    s.kind = Kind::Integer;
    s.categories = None;
    set_range(s, c);
}

fn set_range(s: &mut ColumnSchema, c: &Column) {
    let vals = (0..c.len()).filter_map(|r| c.get(r).as_f64());
    let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    (s.min, s.max) = if lo <= hi {
        (Some(lo), Some(hi))
    } else {
        (None, None)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonym_is_keyed_and_stable() {
        let k1 = b"0123456789abcdef0123";
        let k2 = b"fedcba98765432100123";
        let a = pseudonym(k1, "MRN0012345").unwrap();
        assert_eq!(a.len(), 64);
        assert_eq!(a, pseudonym(k1, " MRN0012345 ").unwrap());
        assert_ne!(a, pseudonym(k2, "MRN0012345").unwrap());
        assert_ne!(a, pseudonym(k1, "MRN0012346").unwrap());
    }

    #[test]
    fn short_secret_is_refused() {
        let t = Table::new(vec![Column::from_strs("mrn", &[Some("MRN1234567")])]).unwrap();
        let mut cs = ColumnSchema::new("mrn", Kind::Identifier);
        cs.identifier = Some(IdentifierType::Mrn);
        cs.action = Some(MaskAction::Pseudonymize);
        let schema = Schema { columns: vec![cs] };
        let opts = MaskOptions {
            secret: Some(b"short".to_vec()),
            ..Default::default()
        };
        let err = mask_table(&t, &schema, &opts).unwrap_err().to_string();
        assert!(err.contains("at least 16"), "{err}");
        let err = mask_table(&t, &schema, &MaskOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--secret-file") && err.contains("mrn"),
            "{err}"
        );
    }

    #[test]
    fn integer_zip_is_padded_before_prefix() {
        let t = Table::new(vec![Column::from_i64(
            "zip",
            &[Some(2134), None, Some(90210)],
        )])
        .unwrap();
        let mut cs = ColumnSchema::new("zip", Kind::Identifier);
        cs.identifier = Some(IdentifierType::Postcode);
        cs.action = Some(MaskAction::Generalize);
        let out = mask_table(&t, &Schema { columns: vec![cs] }, &MaskOptions::default()).unwrap();
        let c = out.table.column("zip").unwrap();
        assert_eq!(c.label(0).as_deref(), Some("021"));
        assert_eq!(c.label(1), None);
        assert_eq!(c.label(2).as_deref(), Some("902"));
        assert_eq!(out.schema.columns[0].kind, Kind::Categorical);
    }
}
