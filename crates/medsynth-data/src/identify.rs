//! Direct-identifier detection (names, e-mails, phones, SSN/MRN-like IDs,
//! addresses, postcodes, exact dates of birth, free text) by column name and
//! value patterns.

use crate::schema::{IdentifierType, MaskAction};
use crate::table::Column;

/// Why a column was flagged, and what we suggest doing with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub id_type: IdentifierType,
    /// The suggested masking action.
    pub action: MaskAction,
    /// A short human-readable reason ("name matches 'email'; 98% of values
    /// look like e-mail addresses").
    pub reason: String,
}

/// Flags a column as a direct identifier, or returns `None` for ordinary
/// clinical columns. (Interim version: real detection lands next.)
pub fn detect_column(_column: &Column) -> Option<Detection> {
    None
}
