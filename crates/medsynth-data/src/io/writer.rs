//! Streaming table output: sampling a million rows writes batch after batch
//! through one [`TableWriter`] instead of building the whole table first.
//! The file appears (atomically) only on [`TableWriter::finish`]; a writer
//! dropped before that, e.g. because sampling failed, removes its
//! temporary file.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::Schema as ArrowSchema;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::error::{DataError, Location, Result};
use crate::io::atomic::AtomicFile;
use crate::io::csv::format_cell;
use crate::io::parquet::{arrow_schema, to_record_batch};
use crate::io::{Format, format_from_extension};
use crate::table::{PhysicalType, Table};

/// Rows per Parquet row group: large enough for good compression and fast
/// scans, small enough that the writer's buffer stays modest.
const ROW_GROUP_ROWS: usize = 128 * 1024;

enum Sink {
    Csv {
        out: BufWriter<std::fs::File>,
        delimiter: u8,
        cell: Vec<u8>,
        line: Vec<u8>,
    },
    Parquet {
        writer: Box<ArrowWriter<std::fs::File>>,
        schema: Arc<ArrowSchema>,
    },
}

/// Writes a table in batches that all share the first batch's layout
/// (column names and physical types).
pub struct TableWriter {
    file: Option<AtomicFile>,
    sink: Option<Sink>,
    layout: Vec<(String, PhysicalType, bool)>,
    rows: usize,
}

fn layout_of(table: &Table) -> Vec<(String, PhysicalType, bool)> {
    table
        .columns()
        .iter()
        .map(|c| {
            let date_only = matches!(
                c.data,
                crate::table::ColumnData::DateTime {
                    date_only: true,
                    ..
                }
            );
            (c.name.clone(), c.physical_type(), date_only)
        })
        .collect()
}

impl TableWriter {
    /// Starts writing `path` (format by extension, CSV when unknown; `.tsv`
    /// uses tabs) with the column layout of `layout` (its rows are not
    /// written: pass it to [`write_batch`](Self::write_batch) as well if
    /// they should be).
    pub fn create(path: &Path, layout: &Table) -> Result<Self> {
        if layout.n_cols() == 0 {
            return Err(DataError::invalid(
                Location::file(path),
                "cannot write a table without columns",
            ));
        }
        let file = AtomicFile::create(path)?;
        let format = format_from_extension(path).unwrap_or(Format::Csv);
        let sink = match format {
            Format::Csv => {
                let delimiter = match path.extension().and_then(|e| e.to_str()) {
                    Some(e) if e.eq_ignore_ascii_case("tsv") => b'\t',
                    _ => b',',
                };
                let mut out = BufWriter::with_capacity(1 << 20, file.try_clone_file()?);
                let mut line = Vec::new();
                for (j, c) in layout.columns().iter().enumerate() {
                    if j > 0 {
                        line.push(delimiter);
                    }
                    quote_into(c.name.as_bytes(), delimiter, &mut line);
                }
                line.push(b'\n');
                out.write_all(&line).map_err(|e| DataError::io(path, e))?;
                Sink::Csv {
                    out,
                    delimiter,
                    cell: Vec::new(),
                    line,
                }
            }
            Format::Parquet => {
                let schema = arrow_schema(layout);
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .build();
                let writer =
                    ArrowWriter::try_new(file.try_clone_file()?, schema.clone(), Some(props))
                        .map_err(|e| {
                            DataError::invalid(
                                Location::file(path),
                                format!("cannot start Parquet output: {e}"),
                            )
                        })?;
                Sink::Parquet {
                    writer: Box::new(writer),
                    schema,
                }
            }
        };
        Ok(TableWriter {
            file: Some(file),
            sink: Some(sink),
            layout: layout_of(layout),
            rows: 0,
        })
    }

    /// Rows written so far.
    pub fn rows_written(&self) -> usize {
        self.rows
    }

    fn path(&self) -> &Path {
        self.file.as_ref().map_or(Path::new(""), |f| f.target())
    }

    /// Appends the rows of `batch`, which must have the layout given to
    /// [`create`](Self::create).
    pub fn write_batch(&mut self, batch: &Table) -> Result<()> {
        let layout = layout_of(batch);
        if layout != self.layout {
            let want: Vec<String> = self
                .layout
                .iter()
                .map(|(n, t, _)| format!("{n}:{t}"))
                .collect();
            let got: Vec<String> = layout.iter().map(|(n, t, _)| format!("{n}:{t}")).collect();
            return Err(DataError::invalid(
                Location::file(self.path()),
                format!(
                    "batch layout [{}] differs from the first batch [{}]",
                    got.join(", "),
                    want.join(", ")
                ),
            ));
        }
        let path = self.path().to_path_buf();
        match self.sink.as_mut() {
            Some(Sink::Csv {
                out,
                delimiter,
                cell,
                line,
            }) => {
                let cols = batch.columns();
                for row in 0..batch.n_rows() {
                    line.clear();
                    for (j, c) in cols.iter().enumerate() {
                        if j > 0 {
                            line.push(*delimiter);
                        }
                        cell.clear();
                        format_cell(c, row, cell);
                        quote_into(cell, *delimiter, line);
                    }
                    // A lone empty cell would be a blank line, which readers skip.
                    if cols.len() == 1 && line.is_empty() {
                        line.extend_from_slice(b"\"\"");
                    }
                    line.push(b'\n');
                    out.write_all(line).map_err(|e| DataError::io(&path, e))?;
                }
            }
            Some(Sink::Parquet { writer, schema }) => {
                let rb = to_record_batch(batch, schema)?;
                writer.write(&rb).map_err(|e| {
                    DataError::invalid(Location::file(&path), format!("cannot write Parquet: {e}"))
                })?;
            }
            None => {
                return Err(DataError::invalid(
                    Location::file(&path),
                    "writer already finished",
                ));
            }
        }
        self.rows += batch.n_rows();
        Ok(())
    }

    /// Completes the file and moves it into place.
    pub fn finish(mut self) -> Result<()> {
        let path = self.path().to_path_buf();
        match self.sink.take() {
            Some(Sink::Csv { mut out, .. }) => out.flush().map_err(|e| DataError::io(&path, e))?,
            Some(Sink::Parquet { writer, .. }) => {
                writer.close().map_err(|e| {
                    DataError::invalid(Location::file(&path), format!("cannot finish Parquet: {e}"))
                })?;
            }
            None => {}
        }
        match self.file.take() {
            Some(f) => f.commit(),
            None => Ok(()),
        }
    }
}

/// Appends `field` to `line`, quoted (RFC 4180) when it holds the
/// delimiter, a quote, a line break or surrounding spaces.
fn quote_into(field: &[u8], delimiter: u8, line: &mut Vec<u8>) {
    let needs = field
        .iter()
        .any(|&b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r')
        || field.first().is_some_and(u8::is_ascii_whitespace)
        || field.last().is_some_and(u8::is_ascii_whitespace);
    if !needs {
        line.extend_from_slice(field);
        return;
    }
    line.push(b'"');
    for &b in field {
        if b == b'"' {
            line.push(b'"');
        }
        line.push(b);
    }
    line.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Column;

    #[test]
    fn quoting() {
        let mut l = Vec::new();
        quote_into(b"a,b \"x\"", b',', &mut l);
        assert_eq!(l, b"\"a,b \"\"x\"\"\"");
        l.clear();
        quote_into(b"plain", b',', &mut l);
        assert_eq!(l, b"plain");
    }

    #[test]
    fn dropped_writer_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let t = Table::new(vec![Column::from_i64("a", &[Some(1), None])]).unwrap();
        for name in ["x.csv", "x.parquet"] {
            let p = dir.path().join(name);
            let mut w = TableWriter::create(&p, &t).unwrap();
            w.write_batch(&t).unwrap();
            drop(w);
            assert!(!p.exists());
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn rejects_a_batch_with_another_layout() {
        let dir = tempfile::tempdir().unwrap();
        let t = Table::new(vec![Column::from_i64("a", &[Some(1)])]).unwrap();
        let u = Table::new(vec![Column::from_f64("a", &[Some(1.5)])]).unwrap();
        let mut w = TableWriter::create(&dir.path().join("x.csv"), &t).unwrap();
        let e = w.write_batch(&u).unwrap_err().to_string();
        assert!(e.contains("a:float") && e.contains("a:int"), "{e}");
    }
}
