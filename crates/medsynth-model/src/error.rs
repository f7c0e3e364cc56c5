//! Errors of the synthesizers. A user must be able to tell "my data or my
//! flags are wrong" (exit 2) from "medsynth failed" (exit 1), so every
//! variant says which it is through [`ModelError::is_user_error`].

use std::path::PathBuf;

/// Everything that can go wrong while fitting, saving, loading or sampling a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The training table or schema cannot be modelled (too few rows, an
    /// all-missing column, a value that does not fit its declared kind...).
    #[error("{0}")]
    InvalidInput(String),
    /// A sampling request is wrong (unknown `--where` column or value, zero rows).
    #[error("{0}")]
    InvalidRequest(String),
    /// The model directory is missing a file, truncated or corrupted.
    #[error("model {}: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    /// The model was written by an incompatible version of medsynth.
    #[error("model {}: format version {found} is not supported (this medsynth reads version {supported}); refit the model with this version", path.display())]
    IncompatibleVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An error from the data layer (reading or writing tables).
    #[error(transparent)]
    Data(#[from] medsynth_data::DataError),
    /// The neural-network engine refused a configuration or batch: a bug in
    /// the trainer, not something the user did.
    #[error("neural-network engine: {0}")]
    Engine(#[from] medsynth_nn::NnError),
    /// Training was stopped by the caller (e.g. Ctrl-C); the last checkpoint can be resumed.
    #[error("training interrupted at step {step}")]
    Interrupted { step: u64 },
}

impl ModelError {
    pub(crate) fn input(message: impl Into<String>) -> Self {
        ModelError::InvalidInput(message.into())
    }

    pub(crate) fn request(message: impl Into<String>) -> Self {
        ModelError::InvalidRequest(message.into())
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ModelError::Corrupt {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }

    /// True when the user can fix the cause (bad data, bad flags, a broken or
    /// foreign model directory); false for faults of medsynth or the machine.
    pub fn is_user_error(&self) -> bool {
        match self {
            ModelError::InvalidInput(_)
            | ModelError::InvalidRequest(_)
            | ModelError::Corrupt { .. }
            | ModelError::IncompatibleVersion { .. } => true,
            ModelError::Io { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::NotFound
                    | std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::InvalidData
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::IsADirectory
                    | std::io::ErrorKind::NotADirectory
            ),
            ModelError::Data(d) => d.is_user_error(),
            ModelError::Engine(_) | ModelError::Interrupted { .. } => false,
        }
    }
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;
