//! Errors of the evaluation layer.
//!
//! Evaluation is usually the last step of a long run, so an error must say
//! exactly which table, row and column is at fault: "synthetic table lacks
//! column 'thal'" lets a data scientist fix the sampler call, a bare
//! "column not found" does not.

/// Everything that can go wrong while evaluating synthetic data.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A table lacks columns the schema (or the reference table) has.
    #[error("the {table} table lacks column(s) {}", quoted(.columns))]
    MissingColumns { table: String, columns: Vec<String> },

    /// A cell cannot be read the way the schema says (e.g. text in a numeric
    /// column). `row` is 1-based, as a spreadsheet shows it below the header.
    #[error("{table} table, row {row}, column '{column}': {message}")]
    BadCell {
        table: String,
        row: usize,
        column: String,
        message: String,
    },

    /// The target column cannot be used as asked (absent, a single class,
    /// no rows with a label...).
    #[error("target '{column}': {message}")]
    Target { column: String, message: String },

    /// An argument or an input is unusable (empty table, share outside 0..1).
    #[error("{0}")]
    Invalid(String),

    /// An error from the data layer (reading a file, a malformed table).
    #[error(transparent)]
    Data(#[from] medsynth_data::DataError),

    /// A fault of medsynth itself, not of the input (a numerical routine
    /// that did not converge, a worker thread that panicked).
    #[error("internal error: {0}")]
    Internal(String),
}

impl EvalError {
    /// True when the user can fix the cause by changing the input or the
    /// options; the CLI maps this to exit code 2.
    pub fn is_user_error(&self) -> bool {
        match self {
            EvalError::MissingColumns { .. }
            | EvalError::BadCell { .. }
            | EvalError::Target { .. }
            | EvalError::Invalid(_) => true,
            EvalError::Data(e) => e.is_user_error(),
            EvalError::Internal(_) => false,
        }
    }

    pub(crate) fn target(column: &str, message: impl Into<String>) -> Self {
        EvalError::Target {
            column: column.to_string(),
            message: message.into(),
        }
    }
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_table_and_columns() {
        let e = EvalError::MissingColumns {
            table: "synthetic".into(),
            columns: vec!["thal".into(), "ca".into()],
        };
        assert_eq!(
            e.to_string(),
            "the synthetic table lacks column(s) 'thal', 'ca'"
        );
        assert!(e.is_user_error());
        assert!(!EvalError::Internal("x".into()).is_user_error());
    }
}
