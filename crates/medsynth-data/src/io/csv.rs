//! CSV reading (delimiter sniffing, BOM, missing tokens, per-cell checks
//! with row/column in every error) and the cell formatting used to write it.
//!
//! Records are read as `csv::ByteRecord`s so that UTF-8 is checked here,
//! per record, and a bad byte can be reported with its row, column and
//! offset. Cells are appended to one text arena per column and typed
//! afterwards (see `cells`), both cores typing columns in parallel.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::error::{DataError, Location, Result};
use crate::io::cells::{RawColumn, type_column};
use crate::io::{ReadOptions, invalid_file};
use crate::table::{Column, ColumnData, Table};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Guesses the delimiter from a sample of the file: the candidate that
/// splits the first lines into the same number (> 1) of fields, preferring
/// the one giving more fields. Quotes are honoured. Defaults to comma (a
/// one-column file has no delimiter to find).
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = sample.split(|&b| b == b'\n').take(20).collect();
    // Drop a last line that may be cut off mid-way by the sample size.
    let lines = if lines.len() > 2 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize);
    for &cand in b",;\t|" {
        let counts: Vec<usize> = lines
            .iter()
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .map(|l| {
                let mut in_quotes = false;
                l.iter()
                    .filter(|&&b| {
                        if b == b'"' {
                            in_quotes = !in_quotes;
                        }
                        b == cand && !in_quotes
                    })
                    .count()
            })
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first > 0 && counts.iter().all(|&c| c == first) && first > best.1 {
            best = (cand, first);
        }
    }
    best.0
}

/// Reads a CSV file; see the module docs and [`ReadOptions`].
pub fn read_csv(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = BufReader::with_capacity(1 << 18, file);
    let sample = reader.fill_buf().map_err(|e| DataError::io(path, e))?;
    if sample.is_empty() {
        return Err(invalid_file(
            path,
            "the file is empty (0 bytes); expected a header line and data rows",
        ));
    }
    let bom = if sample.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let default_delim = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") => Some(b'\t'),
        _ => None,
    };
    let delimiter = opts
        .delimiter
        .or(default_delim)
        .unwrap_or_else(|| sniff_delimiter(&sample[bom..]));
    reader.consume(bom);

    let mut csv = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let missing: Vec<&[u8]> = opts
        .missing_tokens
        .iter()
        .map(|t| t.trim().as_bytes())
        .collect();
    let mut record = ::csv::ByteRecord::new();

    // Header.
    let read =
        |csv: &mut ::csv::Reader<BufReader<File>>, record: &mut ::csv::ByteRecord, row: usize| {
            csv.read_byte_record(record)
                .map_err(|e| csv_error(path, row, e))
        };
    if !read(&mut csv, &mut record, 0)? {
        return Err(invalid_file(
            path,
            "the file holds no header line (only blank lines)",
        ));
    }
    let names = header_names(path, &record)?;
    let width = names.len();
    let capacity = estimate_rows(total, record.as_slice().len() as u64 + width as u64);
    let mut columns: Vec<RawColumn> = names
        .into_iter()
        .map(|n| RawColumn::new(n, capacity))
        .collect();

    let mut row = 0usize;
    while read(&mut csv, &mut record, row + 1)? {
        row += 1;
        if record.len() != width {
            let line = record.position().map_or(0, |p| p.line());
            return Err(DataError::invalid(
                Location::file(path).with_row(row),
                format!(
                    "expected {width} fields like the header but found {} (line {line}); \
                     check for a stray delimiter or an unbalanced quote",
                    record.len()
                ),
            ));
        }
        let text = check_utf8(path, &record, row, &columns)?;
        let mut start = 0;
        for (j, col) in columns.iter_mut().enumerate() {
            let end = record.range(j).map_or(start, |r| r.end);
            let cell = &text[start..end];
            start = end;
            if cell.len() > opts.max_cell_bytes {
                return Err(DataError::invalid(
                    Location::file(path)
                        .with_row(row)
                        .with_column(col.name.clone()),
                    format!(
                        "cell holds {} bytes, more than the limit of {} bytes (max_cell_bytes); \
                         this is most likely an unbalanced quote (\") that swallowed the following rows",
                        cell.len(),
                        opts.max_cell_bytes
                    ),
                ));
            }
            let t = cell.trim().as_bytes();
            let is_missing = t.is_empty() || missing.contains(&t);
            col.push(if is_missing { None } else { Some(cell) });
        }
        if row.is_multiple_of(8192)
            && let (Some(cb), Some(p)) = (&opts.progress, record.position())
        {
            cb(p.byte() + bom as u64, total);
        }
    }
    if row == 0 {
        return Err(invalid_file(path, "the file has a header but no data rows"));
    }
    if let Some(cb) = &opts.progress {
        cb(total, total);
    }

    let forced: Vec<bool> = columns
        .iter()
        .map(|c| opts.string_columns.iter().any(|s| s == &c.name))
        .collect();
    let typed = type_in_parallel(columns, &forced, path)?;
    Table::new(typed).map_err(|m| invalid_file(path, m))
}

fn estimate_rows(total: u64, header_bytes: u64) -> usize {
    // Data rows are usually no shorter than half the header; cap the guess
    // so a huge file does not reserve more than it needs up front.
    (total / header_bytes.max(8)).min(1 << 22) as usize
}

/// Validates the whole record's UTF-8 at once (fast path) and, on failure,
/// names the column and the byte offset inside the cell.
fn check_utf8<'r>(
    path: &Path,
    record: &'r ::csv::ByteRecord,
    row: usize,
    columns: &[RawColumn],
) -> Result<&'r str> {
    match std::str::from_utf8(record.as_slice()) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.valid_up_to();
            let j = (0..record.len())
                .find(|&j| record.range(j).is_some_and(|r| r.contains(&at)))
                .unwrap_or(0);
            let within = at - record.range(j).map_or(0, |r| r.start);
            let file_offset = record.position().map_or(0, |p| p.byte());
            let name = columns
                .get(j)
                .map_or_else(|| format!("#{}", j + 1), |c| c.name.clone());
            Err(DataError::invalid(
                Location::file(path).with_row(row).with_column(name),
                format!(
                    "invalid UTF-8 at byte {within} of the cell (record starts at byte {file_offset} of the file); \
                     re-export the file as UTF-8 (it may be Latin-1/Windows-1252)"
                ),
            ))
        }
    }
}

fn header_names(path: &Path, record: &::csv::ByteRecord) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(record.len());
    for (j, raw) in record.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|e| {
            DataError::invalid(
                Location::file(path),
                format!(
                    "header field {} is not valid UTF-8 (byte {} of the name)",
                    j + 1,
                    e.valid_up_to()
                ),
            )
        })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid_file(
                path,
                format!(
                    "header field {} (of {}) has an empty column name; every column needs a name",
                    j + 1,
                    record.len()
                ),
            ));
        }
        names.push(name.to_string());
    }
    let mut dups: Vec<&str> = Vec::new();
    for (j, n) in names.iter().enumerate() {
        if names[..j].contains(n) && !dups.contains(&n.as_str()) {
            dups.push(n);
        }
    }
    if !dups.is_empty() {
        let list = dups
            .iter()
            .map(|d| format!("'{d}'"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(invalid_file(
            path,
            format!("duplicate column name(s) in the header: {list}; rename them"),
        ));
    }
    Ok(names)
}

fn csv_error(path: &Path, row: usize, e: ::csv::Error) -> DataError {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => DataError::io(path, io),
        other => DataError::invalid(
            Location::file(path).with_row(row),
            format!("cannot parse CSV: {other:?}"),
        ),
    }
}

/// Types every column, spreading columns over the available cores (typing
/// is the CPU-heavy half of a read). Returns the first error in column order.
fn type_in_parallel(columns: Vec<RawColumn>, forced: &[bool], path: &Path) -> Result<Vec<Column>> {
    let n = columns.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .clamp(1, 8)
        .min(n.max(1));
    let slots: Vec<std::sync::Mutex<Option<RawColumn>>> = columns
        .into_iter()
        .map(|c| std::sync::Mutex::new(Some(c)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<Column>>> = (0..n).map(|_| None).collect();
    let out = std::sync::Mutex::new(&mut results);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let j = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if j >= n {
                        break;
                    }
                    let raw = slots[j].lock().ok().and_then(|mut g| g.take());
                    let Some(raw) = raw else { continue };
                    let r = type_column(raw, forced[j], path);
                    if let Ok(mut o) = out.lock() {
                        o[j] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Err(invalid_file(path, "internal error: a column was not typed")))
        })
        .collect()
}

/// Appends the CSV text of cell `row` of `column` to `buf` (nothing for a
/// missing cell). Numbers use `itoa`/`ryu`: formatting is most of the cost
/// of writing a million sampled rows.
pub(crate) fn format_cell(column: &Column, row: usize, buf: &mut Vec<u8>) {
    if !column.valid[row] {
        return;
    }
    match &column.data {
        ColumnData::Float(v) => {
            let x = v[row];
            if x.fract() == 0.0 && x.abs() < 1e15 {
                buf.extend_from_slice(itoa::Buffer::new().format(x as i64).as_bytes());
            } else {
                buf.extend_from_slice(ryu::Buffer::new().format(x).as_bytes());
            }
        }
        ColumnData::Int(v) => buf.extend_from_slice(itoa::Buffer::new().format(v[row]).as_bytes()),
        ColumnData::Bool(v) => buf.extend_from_slice(if v[row] { b"true" } else { b"false" }),
        ColumnData::DateTime { secs, date_only } => {
            let s = if *date_only {
                crate::datetime::format_date(secs[row])
            } else {
                crate::datetime::format_datetime(secs[row])
            };
            buf.extend_from_slice(s.as_bytes());
        }
        ColumnData::Categorical { codes, dict } => buf.extend_from_slice(
            dict.get(codes[row] as usize)
                .map_or(&b""[..], |s| s.as_bytes()),
        ),
        ColumnData::Text(v) => buf.extend_from_slice(v[row].as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n4,5,6\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n4;5;6\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x,y\";b\n\"1,2\";3\n"), b';');
        assert_eq!(sniff_delimiter(b"only\n1\n2\n"), b',');
    }

    #[test]
    fn formats_cells_compactly() {
        let c = Column::from_f64("x", &[Some(2.0), Some(0.1), None, Some(-1.5e-7)]);
        let cells: Vec<String> = (0..4)
            .map(|i| {
                let mut b = Vec::new();
                format_cell(&c, i, &mut b);
                String::from_utf8(b).unwrap()
            })
            .collect();
        assert_eq!(cells[0], "2");
        assert_eq!(cells[1], "0.1");
        assert_eq!(cells[2], "");
        assert_eq!(cells[3].parse::<f64>().unwrap(), -1.5e-7);
    }
}
