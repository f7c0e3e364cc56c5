//! Reading and writing tables: CSV (comma, semicolon or tab, sniffed) and
//! Parquet, chosen by file extension or, failing that, by the `PAR1` magic.
//!
//! Every write is atomic (see [`atomic`]) so that an interrupted run never
//! leaves a half-written file behind. CSV cells get a physical type on read
//! (see [`csv`] for the rules); Parquet columns keep the type they were
//! stored with.

pub mod atomic;
mod cells;
pub mod csv;
pub mod parquet;
pub mod writer;

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::error::{DataError, Location, Result};
use crate::table::Table;

pub use atomic::{AtomicFile, write_atomically};
pub use writer::TableWriter;

/// Called with (bytes read so far, total bytes of the file) while a long
/// read progresses, so that the CLI can draw a progress bar.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How to read a table. `Default` suits the usual clinical extract.
#[derive(Clone)]
pub struct ReadOptions {
    /// Field delimiter for CSV; `None` sniffs comma, semicolon, tab or pipe
    /// from the header and the first lines.
    pub delimiter: Option<u8>,
    /// Cell texts (compared after trimming spaces) that mean "missing". The
    /// empty cell is always missing. Default: `NA`, `NaN`, `?`, `NULL`.
    pub missing_tokens: Vec<String>,
    /// Longest cell accepted, in bytes (default 1 MiB). A longer cell is
    /// almost always an unbalanced quote swallowing the rest of the file.
    pub max_cell_bytes: usize,
    /// Columns read as strings whatever they look like: the way past a
    /// "mixed types" error for a column that really is categorical. The CLI
    /// fills it from the schema's categorical/identifier/text columns.
    pub string_columns: Vec<String>,
    /// Progress callback, see [`ProgressFn`].
    pub progress: Option<ProgressFn>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            missing_tokens: ["NA", "NaN", "?", "NULL"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_cell_bytes: 1 << 20,
            string_columns: Vec::new(),
            progress: None,
        }
    }
}

impl fmt::Debug for ReadOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadOptions")
            .field("delimiter", &self.delimiter.map(char::from))
            .field("missing_tokens", &self.missing_tokens)
            .field("max_cell_bytes", &self.max_cell_bytes)
            .field("string_columns", &self.string_columns)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// The on-disk formats medsynth reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text; the delimiter is sniffed on read, comma on write
    /// (tab for `.tsv`).
    Csv,
    Parquet,
}

/// The format of an existing file: by extension, else by the `PAR1` magic
/// bytes, else CSV.
pub fn detect_format(path: &Path) -> Result<Format> {
    if let Some(f) = format_from_extension(path) {
        return Ok(f);
    }
    let mut file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match file.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DataError::io(path, e)),
        }
    }
    Ok(if n == 4 && &magic == b"PAR1" {
        Format::Parquet
    } else {
        Format::Csv
    })
}

/// The format implied by a file name, if its extension is a known one.
pub fn format_from_extension(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Some(Format::Csv),
        "parquet" | "pq" => Some(Format::Parquet),
        _ => None,
    }
}

/// Reads a CSV or Parquet file into a [`Table`].
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<Table> {
    match detect_format(path)? {
        Format::Csv => csv::read_csv(path, opts),
        Format::Parquet => parquet::read_parquet(path, opts),
    }
}

/// Writes a table atomically as CSV or Parquet (by extension; CSV when the
/// extension is unknown).
pub fn write_table(table: &Table, path: &Path) -> Result<()> {
    let mut w = TableWriter::create(path, table)?;
    w.write_batch(table)?;
    w.finish()
}

/// The error for a file that cannot hold a table at all.
pub(crate) fn invalid_file(path: &Path, message: impl Into<String>) -> DataError {
    DataError::invalid(Location::file(path), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_dispatch() {
        assert_eq!(format_from_extension(Path::new("a.CSV")), Some(Format::Csv));
        assert_eq!(format_from_extension(Path::new("a.tsv")), Some(Format::Csv));
        assert_eq!(
            format_from_extension(Path::new("a.pq")),
            Some(Format::Parquet)
        );
        assert_eq!(format_from_extension(Path::new("a.data")), None);
    }

    #[test]
    fn magic_sniffing_without_extension() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("blob");
        std::fs::write(&p, b"PAR1xxxx").unwrap();
        assert_eq!(detect_format(&p).unwrap(), Format::Parquet);
        std::fs::write(&p, b"a,b\n1,2\n").unwrap();
        assert_eq!(detect_format(&p).unwrap(), Format::Csv);
    }
}
