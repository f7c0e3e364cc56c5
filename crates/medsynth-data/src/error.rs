//! Errors of the data layer. Every error a user can cause names the file and,
//! where it applies, the row and column, because a hospital data team must be
//! able to find the offending cell in a 100,000-row extract.

use std::fmt;
use std::path::PathBuf;

/// Where in the input a problem was found. Rows are 1-based data rows (the
/// header is not counted), matching what a spreadsheet shows below the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: Option<PathBuf>,
    pub row: Option<usize>,
    pub column: Option<String>,
}

impl Location {
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            file: Some(path.into()),
            ..Default::default()
        }
    }

    pub fn with_row(mut self, row: usize) -> Self {
        self.row = Some(row);
        self
    }

    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.file {
            parts.push(p.display().to_string());
        }
        if let Some(r) = self.row {
            parts.push(format!("row {r}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("column '{c}'"));
        }
        if parts.is_empty() {
            f.write_str("input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Errors from reading, inferring, validating, masking or writing tables.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The input is wrong in a way the user can fix (bad cell, bad header,
    /// schema that does not fit). The CLI exits with code 2.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },

    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl DataError {
    pub fn invalid(location: Location, message: impl Into<String>) -> Self {
        DataError::Invalid {
            location,
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }

    /// True when the user can fix the cause (bad input, missing file), as
    /// opposed to a fault of the machine or of medsynth.
    pub fn is_user_error(&self) -> bool {
        match self {
            DataError::Invalid { .. } => true,
            DataError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::InvalidData
                    | std::io::ErrorKind::IsADirectory
                    | std::io::ErrorKind::NotADirectory
                    | std::io::ErrorKind::UnexpectedEof
            ),
        }
    }
}

pub type Result<T, E = DataError> = std::result::Result<T, E>;
