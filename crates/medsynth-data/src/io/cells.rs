//! Physical typing of text cells (CSV): one column's raw cells become an
//! `Int`, `Float`, `Bool`, `DateTime`, `Categorical` or `Text` column.
//!
//! Rules, in order: Int if every valid cell is a whole number (without a
//! leading zero, so that codes such as `02139` or MRN `000123` keep their
//! digits); Float if every cell is a finite number (`inf` is an error, not a
//! value); Bool if every cell is `true`/`false` (0/1 stay Int); DateTime if
//! every cell parses as a date; otherwise strings. A column that is *almost*
//! numeric or *almost* a date (a handful of distinct odd tokens under 5 % of
//! the cells) is reported as a data-entry error instead of silently becoming
//! a string column, because quietly turning `age` into a categorical would
//! wreck every later stage.

use std::collections::HashMap;
use std::path::Path;

use crate::datetime::parse_datetime;
use crate::error::{DataError, Location, Result};
use crate::table::{Column, ColumnData};

/// At most this many distinct odd tokens make a column "mixed" (an error)
/// rather than a legitimate string column such as ICD-9 codes (`250.83`,
/// `V57`, hundreds of letter codes).
const MIXED_MAX_DISTINCT: usize = 5;
/// ... and they must be under 1/20 (5 %) of the valid cells.
const MIXED_MAX_SHARE_DEN: usize = 20;

/// The cells of one column as read: valid cells' text concatenated in
/// `text`, cell `i` spanning `ends[i-1]..ends[i]` (missing cells are empty
/// spans with `valid[i] == false`). One arena per column instead of one
/// `String` per cell keeps a 100,000 × 50 read to a few allocations.
#[derive(Debug, Default)]
pub(crate) struct RawColumn {
    pub name: String,
    pub text: String,
    pub ends: Vec<usize>,
    pub valid: Vec<bool>,
}

impl RawColumn {
    pub fn new(name: String, capacity: usize) -> Self {
        RawColumn {
            name,
            text: String::new(),
            ends: Vec::with_capacity(capacity),
            valid: Vec::with_capacity(capacity),
        }
    }

    pub fn push(&mut self, cell: Option<&str>) {
        if let Some(s) = cell {
            self.text.push_str(s);
        }
        self.ends.push(self.text.len());
        self.valid.push(cell.is_some());
    }

    fn cell(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// (row index, text) of every valid cell.
    fn cells(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        (0..self.valid.len())
            .filter(|&i| self.valid[i])
            .map(move |i| (i, self.cell(i)))
    }
}

/// Whole number without a leading zero (`0`, `-0` allowed, `007` not).
fn parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

/// Outcome of trying one candidate type over a column.
struct Attempt<'a> {
    ok: usize,
    bad: usize,
    /// First offending cells (row index, text).
    examples: Vec<(usize, &'a str)>,
    /// Distinct offending texts, counted up to `MIXED_MAX_DISTINCT + 1`.
    distinct_bad: Vec<&'a str>,
}

impl<'a> Attempt<'a> {
    fn new() -> Self {
        Attempt {
            ok: 0,
            bad: 0,
            examples: Vec::new(),
            distinct_bad: Vec::new(),
        }
    }

    fn record_bad(&mut self, row: usize, s: &'a str) {
        self.bad += 1;
        if self.examples.len() < 5 {
            self.examples.push((row, s));
        }
        if self.distinct_bad.len() <= MIXED_MAX_DISTINCT && !self.distinct_bad.contains(&s) {
            self.distinct_bad.push(s);
        }
    }

    /// Mostly of this type with a few stray tokens: a data-entry error.
    fn is_mixed(&self) -> bool {
        self.ok > 0
            && self.bad > 0
            && self.distinct_bad.len() <= MIXED_MAX_DISTINCT
            && self.bad * MIXED_MAX_SHARE_DEN < self.ok + self.bad
    }

    fn example_list(&self) -> String {
        self.examples
            .iter()
            .map(|(r, s)| format!("row {} '{}'", r + 1, shorten(s)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Types one column. `force_string` reads it as strings whatever it holds.
pub(crate) fn type_column(raw: RawColumn, force_string: bool, path: &Path) -> Result<Column> {
    let n = raw.valid.len();
    let n_valid = raw.valid.iter().filter(|v| **v).count();
    if n_valid == 0 {
        // Kept (a legal table); inference warns and fitting refuses it.
        return Ok(Column::new(
            raw.name,
            ColumnData::Float(vec![0.0; n]),
            raw.valid,
        ));
    }
    if force_string {
        return Ok(strings_column(&raw));
    }
    let loc = |row: Option<usize>| {
        let l = Location::file(path).with_column(raw.name.clone());
        match row {
            Some(r) => l.with_row(r + 1),
            None => l,
        }
    };

    // Int.
    let mut ints = vec![0i64; n];
    let mut all_int = true;
    for (i, s) in raw.cells() {
        match parse_int(s.trim()) {
            Some(v) => ints[i] = v,
            None => {
                all_int = false;
                break;
            }
        }
    }
    if all_int {
        return Ok(Column::new(raw.name, ColumnData::Int(ints), raw.valid));
    }
    drop(ints);

    // Float (a leading-zero integer such as `02139` is not a number here
    // either, unless it has a decimal point: `0.5` is).
    let mut floats = vec![0f64; n];
    let mut num = Attempt::new();
    let mut non_finite: Option<(usize, &str)> = None;
    let mut n_non_finite = 0usize;
    for (i, s) in raw.cells() {
        let t = s.trim();
        if !t.contains(['.', 'e', 'E']) && parse_int(t).is_none() && t.parse::<i64>().is_ok() {
            // A leading-zero code (`02139`, MRN `000123`): the column is a
            // code column, whose digits must survive as written.
            return Ok(strings_column(&raw));
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                floats[i] = v;
                num.ok += 1;
            }
            Ok(v) if !v.is_finite() => {
                non_finite.get_or_insert((i, s));
                n_non_finite += 1;
                num.record_bad(i, s);
            }
            _ => num.record_bad(i, s),
        }
    }
    if num.bad == 0 {
        return Ok(Column::new(raw.name, ColumnData::Float(floats), raw.valid));
    }
    if let Some((row, s)) = non_finite
        && n_non_finite == num.bad
    {
        return Err(DataError::invalid(
            loc(Some(row)),
            format!(
                "'{}' is not a finite number; medsynth accepts only finite values in a numeric column. \
                 If it means 'missing', add it to the missing tokens (--na '{}'), otherwise fix the cell",
                s.trim(),
                s.trim()
            ),
        ));
    }
    if num.is_mixed() {
        return Err(DataError::invalid(
            loc(None),
            format!(
                "{} numeric cells but {} cell{} hold{} text: {}; fix them, mark them missing, \
                 or declare the column categorical in schema.json",
                num.ok,
                num.bad,
                if num.bad == 1 { "" } else { "s" },
                if num.bad == 1 { "s" } else { "" },
                num.example_list()
            ),
        ));
    }
    drop(floats);

    // Bool (true/false only: 0/1 columns are Int and become categorical in
    // inference, so that they write back as 0/1).
    let mut bools = vec![false; n];
    let mut all_bool = true;
    for (i, s) in raw.cells() {
        let t = s.trim();
        if t.eq_ignore_ascii_case("true") {
            bools[i] = true;
        } else if !t.eq_ignore_ascii_case("false") {
            all_bool = false;
            break;
        }
    }
    if all_bool {
        return Ok(Column::new(raw.name, ColumnData::Bool(bools), raw.valid));
    }
    drop(bools);

    // DateTime.
    let mut secs = vec![0i64; n];
    let mut dates = Attempt::new();
    let mut date_only = true;
    for (i, s) in raw.cells() {
        match parse_datetime(s) {
            Some((v, d)) => {
                secs[i] = v;
                date_only &= d;
                dates.ok += 1;
            }
            None => dates.record_bad(i, s),
        }
    }
    if dates.bad == 0 {
        return Ok(Column::new(
            raw.name,
            ColumnData::DateTime { secs, date_only },
            raw.valid,
        ));
    }
    if dates.is_mixed() {
        return Err(DataError::invalid(
            loc(None),
            format!(
                "{} date cells but {} cell{} do{} not parse as a date (YYYY-MM-DD[ HH:MM[:SS]]): {}; \
                 fix them, mark them missing, or declare the column categorical in schema.json",
                dates.ok,
                dates.bad,
                if dates.bad == 1 { "" } else { "s" },
                if dates.bad == 1 { "es" } else { "" },
                dates.example_list()
            ),
        ));
    }
    Ok(strings_column(&raw))
}

/// A string column: dictionary-encoded unless it looks like free text.
fn strings_column(raw: &RawColumn) -> Column {
    let n = raw.valid.len();
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut dict: Vec<String> = Vec::new();
    let mut codes = vec![0u32; n];
    for (i, s) in raw.cells() {
        let next = dict.len() as u32;
        let code = *index.entry(s).or_insert_with(|| {
            dict.push(s.to_string());
            next
        });
        codes[i] = code;
    }
    let n_valid = raw.valid.iter().filter(|v| **v).count();
    if looks_like_free_text(dict.len(), n_valid, raw.text.len()) {
        let text = (0..n)
            .map(|i| {
                if raw.valid[i] {
                    raw.cell(i).to_string()
                } else {
                    String::new()
                }
            })
            .collect();
        return Column::new(raw.name.clone(), ColumnData::Text(text), raw.valid.clone());
    }
    Column::new(
        raw.name.clone(),
        ColumnData::Categorical { codes, dict },
        raw.valid.clone(),
    )
}

/// Free text: mostly distinct and long on average, so a dictionary would
/// only add overhead. Short unique codes stay categorical (inference then
/// decides whether they are identifiers).
pub(crate) fn looks_like_free_text(distinct: usize, n_valid: usize, total_bytes: usize) -> bool {
    n_valid > 0 && distinct * 2 > n_valid && total_bytes / n_valid >= 40
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::PhysicalType;

    fn raw(cells: &[Option<&str>]) -> RawColumn {
        let mut r = RawColumn::new("c".into(), cells.len());
        for c in cells {
            r.push(*c);
        }
        r
    }

    fn ty(cells: &[Option<&str>]) -> Result<Column> {
        type_column(raw(cells), false, Path::new("t.csv"))
    }

    #[test]
    fn picks_the_narrowest_type() {
        assert_eq!(
            ty(&[Some("1"), None, Some("-3")]).unwrap().physical_type(),
            PhysicalType::Int
        );
        assert_eq!(
            ty(&[Some("1"), Some("2.5")]).unwrap().physical_type(),
            PhysicalType::Float
        );
        assert_eq!(
            ty(&[Some("TRUE"), Some("false")]).unwrap().physical_type(),
            PhysicalType::Bool
        );
        assert_eq!(
            ty(&[Some("0"), Some("1")]).unwrap().physical_type(),
            PhysicalType::Int
        );
        assert_eq!(
            ty(&[Some("2020-01-02"), Some("1999-12-31")])
                .unwrap()
                .physical_type(),
            PhysicalType::DateTime
        );
        assert_eq!(
            ty(&[Some("a"), Some("b"), Some("a")])
                .unwrap()
                .physical_type(),
            PhysicalType::Categorical
        );
        assert_eq!(
            ty(&[None, None]).unwrap().physical_type(),
            PhysicalType::Float
        );
    }

    #[test]
    fn leading_zero_codes_stay_strings() {
        let c = ty(&[Some("02139"), Some("10001")]).unwrap();
        assert_eq!(c.physical_type(), PhysicalType::Categorical);
        assert_eq!(c.label(0).as_deref(), Some("02139"));
        assert_eq!(
            ty(&[Some("0.5"), Some("0")]).unwrap().physical_type(),
            PhysicalType::Float
        );
    }

    #[test]
    fn infinity_is_an_error_with_row() {
        let e = ty(&[Some("1.5"), Some("inf")]).unwrap_err().to_string();
        assert!(
            e.contains("row 2") && e.contains("'inf'") && e.contains("finite"),
            "{e}"
        );
    }

    #[test]
    fn mixed_numeric_column_names_rows() {
        let mut cells: Vec<Option<&str>> = vec![Some("5"); 98];
        cells[11] = Some("abc");
        cells[56] = Some("unknown");
        let e = ty(&cells).unwrap_err().to_string();
        assert!(e.contains("96 numeric cells but 2 cells hold text"), "{e}");
        assert!(
            e.contains("row 12 'abc'") && e.contains("row 57 'unknown'"),
            "{e}"
        );
        // Forcing strings gets past it.
        let c = type_column(raw(&cells), true, Path::new("t.csv")).unwrap();
        assert_eq!(c.physical_type(), PhysicalType::Categorical);
    }

    #[test]
    fn code_columns_with_many_letter_codes_are_strings() {
        let mut cells: Vec<String> = (0..200)
            .map(|i| format!("{}.{}", 250 + i % 50, i % 7))
            .collect();
        for (k, c) in cells.iter_mut().enumerate().take(20) {
            *c = format!("V{k}");
        }
        let opt: Vec<Option<&str>> = cells.iter().map(|s| Some(s.as_str())).collect();
        assert_eq!(ty(&opt).unwrap().physical_type(), PhysicalType::Categorical);
    }

    #[test]
    fn long_unique_strings_are_text() {
        let cells: Vec<String> = (0..50)
            .map(|i| format!("patient reports intermittent chest pain, episode {i}"))
            .collect();
        let opt: Vec<Option<&str>> = cells.iter().map(|s| Some(s.as_str())).collect();
        assert_eq!(ty(&opt).unwrap().physical_type(), PhysicalType::Text);
    }
}
