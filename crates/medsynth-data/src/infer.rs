//! Schema inference: a first `schema.json` read off the data, for the user
//! to review and override.
//!
//! The physical type decides the candidates, then the values and the column
//! name decide: integers with few levels are categorical codes (heart `cp`,
//! `thal`) unless the name says they count something (`num_procedures`,
//! `time_in_hospital`); integer codes named `*_id`/`*_code` with up to 50
//! levels are categorical (diabetes `admission_type_id`); values unique to
//! each row are identifiers; strings with more than 1,000 levels that are
//! mostly unique are not modelled as categorical (a one-hot block that wide
//! would dominate the model and memorise rows) but treated as text and
//! dropped. The thresholds were chosen so that the three reference data
//! sets (heart, adult, diabetes130) come out as their documentation says;
//! all are in [`InferOptions`].

use std::cmp::Ordering;
use std::collections::HashSet;

use serde::Serialize;

use crate::identify::detect_column;
use crate::schema::{ColumnSchema, IdentifierType, Kind, MaskAction, Role, Schema};
use crate::table::{Column, ColumnData, Table};

/// Thresholds of inference.
#[derive(Debug, Clone, PartialEq)]
pub struct InferOptions {
    /// An integer column with at most this many distinct values is
    /// categorical (unless its name says it is a count). Default 8: heart
    /// `num` has 5 levels, adult `education-num` 16.
    pub max_int_categorical_levels: usize,
    /// An integer column named like a code (`*_id`, `*_code`, `*_type`) with
    /// at most this many distinct values is categorical. Default 50.
    pub max_code_levels: usize,
    /// Above this many levels *and* `max_unique_share` a string column is
    /// not modelled as categorical. Default 1,000.
    pub max_categorical_levels: usize,
    /// Share of distinct values among valid cells; see above. Default 0.5.
    pub max_unique_share: f64,
    /// Columns need at least this many valid cells before "unique per row"
    /// makes them identifiers (tiny tables are unique by chance). Default 50.
    pub min_rows_for_row_key: usize,
}

impl Default for InferOptions {
    fn default() -> Self {
        InferOptions {
            max_int_categorical_levels: 8,
            max_code_levels: 50,
            max_categorical_levels: 1_000,
            max_unique_share: 0.5,
            min_rows_for_row_key: 50,
        }
    }
}

/// The inferred schema plus what the user should look at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferReport {
    pub schema: Schema,
    /// One line per noteworthy column (all missing, constant, mostly
    /// missing, too many levels), naming the column.
    pub warnings: Vec<String>,
}

/// Infers a schema for `table`.
pub fn infer(table: &Table, opts: &InferOptions) -> InferReport {
    let mut warnings = Vec::new();
    let columns = table
        .columns()
        .iter()
        .map(|c| infer_column(c, opts, &mut warnings))
        .collect();
    InferReport {
        schema: Schema { columns },
        warnings,
    }
}

/// Infers one column's schema (warnings are appended).
pub fn infer_column(col: &Column, opts: &InferOptions, warnings: &mut Vec<String>) -> ColumnSchema {
    let n = col.len();
    let n_valid = n - col.missing_count();
    let missing_share = if n == 0 {
        0.0
    } else {
        (n - n_valid) as f64 / n as f64
    };
    let name = col.name.as_str();

    if n_valid == 0 {
        warnings.push(format!(
            "column '{name}': every cell is missing; fitting will refuse it (drop it or declare it text)"
        ));
        let mut cs = ColumnSchema::new(name, default_kind(col));
        cs.missing_share = missing_share;
        return cs;
    }
    if missing_share > 0.9 {
        warnings.push(format!(
            "column '{name}': {:.1}% of cells are missing",
            missing_share * 100.0
        ));
    }

    if let Some(d) = detect_column(col) {
        let kind = if d.id_type == IdentifierType::FreeText {
            Kind::Text
        } else {
            Kind::Identifier
        };
        let mut cs = ColumnSchema::new(name, kind);
        cs.role = Role::Identifier;
        cs.identifier = Some(d.id_type);
        cs.action = Some(d.action);
        cs.missing_share = missing_share;
        return cs;
    }

    let distinct = distinct_count(col);
    if distinct == 1 {
        warnings.push(format!(
            "column '{name}': constant (a single value); it carries no information"
        ));
    }
    let unique_per_row = distinct == n_valid && n_valid >= opts.min_rows_for_row_key;
    let identifier = |id: IdentifierType, action: MaskAction| {
        let mut cs = ColumnSchema::new(name, Kind::Identifier);
        cs.role = Role::Identifier;
        cs.identifier = Some(id);
        cs.action = Some(action);
        cs
    };

    let mut cs = match &col.data {
        ColumnData::Int(v) => {
            let lname = name.to_ascii_lowercase();
            if unique_per_row {
                identifier(IdentifierType::RowKey, MaskAction::Drop)
            } else if is_id_name(&lname) && distinct as f64 > opts.max_unique_share * n_valid as f64
            {
                identifier(IdentifierType::Mrn, MaskAction::Pseudonymize)
            } else if (is_code_name(&lname) && distinct <= opts.max_code_levels)
                || (!is_count_name(&lname) && distinct <= opts.max_int_categorical_levels)
            {
                categorical(col)
            } else {
                let mut cs = ColumnSchema::new(name, Kind::Integer);
                let (lo, hi) = min_max(
                    v.iter()
                        .zip(&col.valid)
                        .filter(|(_, ok)| **ok)
                        .map(|(x, _)| *x as f64),
                );
                cs.min = Some(lo);
                cs.max = Some(hi);
                cs
            }
        }
        ColumnData::Float(v) => {
            let mut cs = ColumnSchema::new(name, Kind::Continuous);
            let valid = || {
                v.iter()
                    .zip(&col.valid)
                    .filter(|(_, ok)| **ok)
                    .map(|(x, _)| *x)
            };
            let (lo, hi) = min_max(valid());
            cs.min = Some(lo);
            cs.max = Some(hi);
            cs.decimals = Some(max_decimals(valid()));
            cs
        }
        ColumnData::Bool(_) => {
            let mut cs = categorical(col);
            cs.kind = Kind::Boolean;
            cs
        }
        ColumnData::DateTime { secs, .. } => {
            let mut cs = ColumnSchema::new(name, Kind::Datetime);
            let (lo, hi) = min_max(
                secs.iter()
                    .zip(&col.valid)
                    .filter(|(_, ok)| **ok)
                    .map(|(x, _)| *x as f64),
            );
            cs.min = Some(lo);
            cs.max = Some(hi);
            cs
        }
        ColumnData::Categorical { .. } | ColumnData::Text(_) => {
            let too_many = distinct > opts.max_categorical_levels
                && distinct as f64 > opts.max_unique_share * n_valid as f64;
            if unique_per_row && matches!(col.data, ColumnData::Categorical { .. }) {
                identifier(IdentifierType::RowKey, MaskAction::Drop)
            } else if too_many || matches!(col.data, ColumnData::Text(_)) {
                warnings.push(format!(
                    "column '{name}': {distinct} distinct values in {n_valid} cells, too many to model as \
                     categorical (limit {} levels and {:.0}% unique); treated as text and dropped. \
                     Declare kind 'categorical' in schema.json to model it anyway",
                    opts.max_categorical_levels,
                    opts.max_unique_share * 100.0
                ));
                let mut cs = ColumnSchema::new(name, Kind::Text);
                cs.action = Some(MaskAction::Drop);
                cs
            } else {
                categorical(col)
            }
        }
    };
    cs.missing_share = missing_share;
    cs
}

/// The kind a column of this physical type gets when nothing else is known.
fn default_kind(col: &Column) -> Kind {
    match col.data {
        ColumnData::Float(_) => Kind::Continuous,
        ColumnData::Int(_) => Kind::Integer,
        ColumnData::Bool(_) => Kind::Boolean,
        ColumnData::DateTime { .. } => Kind::Datetime,
        ColumnData::Categorical { .. } => Kind::Categorical,
        ColumnData::Text(_) => Kind::Text,
    }
}

/// Names of record keys: `patient_nbr`, `encounter_id`, `subject_id`, `mrn`.
fn is_id_name(n: &str) -> bool {
    n == "id"
        || n == "mrn"
        || [
            "_id", "-id", "_nbr", "_no", "_num", "_number", "_key", "mrn", "uuid",
        ]
        .iter()
        .any(|s| n.ends_with(s))
}

/// Names of coded categories: `admission_type_id`, `icd_code`, `visit_type`.
fn is_code_name(n: &str) -> bool {
    [
        "_id", "-id", "_code", "-code", "_cd", "_type", "_class", "_status", "_cat", "_group",
    ]
    .iter()
    .any(|s| n.ends_with(s))
}

/// Names of counts and durations, integer even with few levels.
fn is_count_name(n: &str) -> bool {
    ["num_", "number_", "n_", "count", "nb_"]
        .iter()
        .any(|p| n.starts_with(p))
        || [
            "_count", "_days", "_hours", "_years", "_months", "_num", "-num", "_n",
        ]
        .iter()
        .any(|s| n.ends_with(s))
        || ["time_in", "length_of", "days", "hours", "duration"]
            .iter()
            .any(|m| n.contains(m))
}

fn categorical(col: &Column) -> ColumnSchema {
    let kind = if matches!(col.data, ColumnData::Bool(_)) {
        Kind::Boolean
    } else {
        Kind::Categorical
    };
    let mut cs = ColumnSchema::new(col.name.clone(), kind);
    cs.categories = Some(categories_of(col));
    cs
}

/// The distinct labels of a column, sorted naturally (numeric labels by
/// value, `[0-10)` before `[10-20)`).
pub fn categories_of(col: &Column) -> Vec<String> {
    let mut labels: Vec<String> = match &col.data {
        ColumnData::Categorical { codes, dict } => {
            let mut used = vec![false; dict.len()];
            for (c, ok) in codes.iter().zip(&col.valid) {
                if *ok && let Some(u) = used.get_mut(*c as usize) {
                    *u = true;
                }
            }
            dict.iter()
                .zip(used)
                .filter(|(_, u)| *u)
                .map(|(s, _)| s.clone())
                .collect()
        }
        _ => {
            let mut set = HashSet::new();
            (0..col.len())
                .filter_map(|i| col.label(i))
                .filter(|l| set.insert(l.clone()))
                .collect()
        }
    };
    labels.sort_by(|a, b| natural_cmp(a, b));
    labels
}

/// Compares numbers by value, and otherwise text with digit runs compared
/// as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if let (Ok(x), Ok(y)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        return x
            .partial_cmp(&y)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.cmp(b));
    }
    let (mut ia, mut ib) = (a.as_bytes(), b.as_bytes());
    loop {
        match (ia.first(), ib.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(ca), Some(cb)) if ca.is_ascii_digit() && cb.is_ascii_digit() => {
                let la = ia.iter().take_while(|c| c.is_ascii_digit()).count();
                let lb = ib.iter().take_while(|c| c.is_ascii_digit()).count();
                let (da, db) = (trim_zeros(&ia[..la]), trim_zeros(&ib[..lb]));
                let ord = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
                if ord != Ordering::Equal {
                    return ord;
                }
                ia = &ia[la..];
                ib = &ib[lb..];
            }
            (Some(ca), Some(cb)) => {
                if ca != cb {
                    return ca.cmp(cb);
                }
                ia = &ia[1..];
                ib = &ib[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let k = d.iter().take_while(|c| **c == b'0').count();
    &d[k.min(d.len().saturating_sub(1))..]
}

/// Distinct valid values of a column.
pub fn distinct_count(col: &Column) -> usize {
    let valid = |i: &usize| col.valid[*i];
    match &col.data {
        ColumnData::Float(v) => (0..v.len())
            .filter(valid)
            .map(|i| v[i].to_bits())
            .collect::<HashSet<_>>()
            .len(),
        ColumnData::Int(v) => (0..v.len())
            .filter(valid)
            .map(|i| v[i])
            .collect::<HashSet<_>>()
            .len(),
        ColumnData::Bool(v) => (0..v.len())
            .filter(valid)
            .map(|i| v[i])
            .collect::<HashSet<_>>()
            .len(),
        ColumnData::DateTime { secs, .. } => (0..secs.len())
            .filter(valid)
            .map(|i| secs[i])
            .collect::<HashSet<_>>()
            .len(),
        ColumnData::Categorical { codes, dict } => {
            // Codes are indices into a (possibly repeating) dictionary.
            let set: HashSet<&str> = (0..codes.len())
                .filter(valid)
                .filter_map(|i| dict.get(codes[i] as usize).map(String::as_str))
                .collect();
            set.len()
        }
        ColumnData::Text(v) => (0..v.len())
            .filter(valid)
            .map(|i| v[i].as_str())
            .collect::<HashSet<_>>()
            .len(),
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    })
}

/// Most decimal places any value shows in its shortest form, capped at 6.
fn max_decimals(values: impl Iterator<Item = f64>) -> u32 {
    let mut best = 0u32;
    let mut buf = String::new();
    for x in values {
        if x.fract() == 0.0 {
            continue;
        }
        buf.clear();
        use std::fmt::Write;
        let _ = write!(buf, "{x}");
        let d = buf.split_once('.').map_or(0, |(_, f)| f.len()) as u32;
        best = best.max(d.min(6));
        if best == 6 {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = ["[10-20)", "[0-10)", "[90-100)", ">200", "[100-125)"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, [">200", "[0-10)", "[10-20)", "[90-100)", "[100-125)"]);
        let mut n = ["10", "9", "-1", "2.5"];
        n.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(n, ["-1", "2.5", "9", "10"]);
    }

    #[test]
    fn small_integer_codes_are_categorical_counts_integer() {
        let vals: Vec<Option<i64>> = (0..100).map(|i| Some(i % 4)).collect();
        let mut w = Vec::new();
        let cs = infer_column(
            &Column::from_i64("cp", &vals),
            &InferOptions::default(),
            &mut w,
        );
        assert_eq!(cs.kind, Kind::Categorical);
        assert_eq!(
            cs.categories.as_deref(),
            Some(&["0".to_string(), "1".into(), "2".into(), "3".into()][..])
        );
        let cs = infer_column(
            &Column::from_i64("num_procedures", &vals),
            &InferOptions::default(),
            &mut w,
        );
        assert_eq!(cs.kind, Kind::Integer);
        assert_eq!((cs.min, cs.max), (Some(0.0), Some(3.0)));
    }

    #[test]
    fn unique_integers_are_row_keys_and_warnings_name_columns() {
        let ids: Vec<Option<i64>> = (0..100).map(|i| Some(1000 + i * 7)).collect();
        let konst: Vec<Option<&str>> = vec![Some("No"); 100];
        let none: Vec<Option<f64>> = vec![None; 100];
        let t = Table::new(vec![
            Column::from_i64("visit", &ids),
            Column::from_strs("examide", &konst),
            Column::from_f64("empty", &none),
        ])
        .unwrap();
        let r = infer(&t, &InferOptions::default());
        let v = r.schema.column("visit").unwrap();
        assert_eq!(
            (v.kind, v.identifier, v.action),
            (
                Kind::Identifier,
                Some(IdentifierType::RowKey),
                Some(MaskAction::Drop)
            )
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("'examide'") && w.contains("constant")),
            "{:?}",
            r.warnings
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("'empty'") && w.contains("missing")),
            "{:?}",
            r.warnings
        );
        assert_eq!(r.schema.column("empty").unwrap().missing_share, 1.0);
    }

    #[test]
    fn float_decimals_and_bounds() {
        let c = Column::from_f64("oldpeak", &[Some(0.0), Some(2.3), Some(6.2), None]);
        let cs = infer_column(&c, &InferOptions::default(), &mut Vec::new());
        assert_eq!(cs.kind, Kind::Continuous);
        assert_eq!(
            (cs.min, cs.max, cs.decimals),
            (Some(0.0), Some(6.2), Some(1))
        );
        assert!((cs.missing_share - 0.25).abs() < 1e-12);
    }
}
