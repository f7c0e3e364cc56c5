//! The schema: what each column means, separate from how it is stored.
//!
//! `schema.json` is the user's contract with medsynth. Its `kind` names
//! (`continuous`, `integer`, `categorical`, `boolean`, `datetime`,
//! `identifier`, `text`) are relied on by later stages and outside scripts,
//! so they never change. Every bound or category list records where it came
//! from: values read off the data are private under differential privacy and
//! must be paid for, while values a user declared (`"domain": "public"`) are
//! domain knowledge and free.

use serde::{Deserialize, Serialize};

/// What a column means to a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Real-valued measurement (cholesterol, ST depression).
    Continuous,
    /// Whole-number measurement with many values (age, counts).
    Integer,
    /// A finite set of labels, possibly coded as numbers (chest-pain type).
    Categorical,
    /// Two-valued flag stored as true/false.
    Boolean,
    /// Dates or date-times.
    Datetime,
    /// A direct identifier (name, MRN, e-mail...): never modelled.
    Identifier,
    /// Free text (notes): never modelled.
    Text,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Continuous => "continuous",
            Kind::Integer => "integer",
            Kind::Categorical => "categorical",
            Kind::Boolean => "boolean",
            Kind::Datetime => "datetime",
            Kind::Identifier => "identifier",
            Kind::Text => "text",
        }
    }

    /// Numeric kinds are modelled as numbers (with bounds).
    pub fn is_numeric(&self) -> bool {
        matches!(self, Kind::Continuous | Kind::Integer | Kind::Datetime)
    }

    /// Discrete kinds are modelled as a set of labels.
    pub fn is_discrete(&self) -> bool {
        matches!(self, Kind::Categorical | Kind::Boolean)
    }

    /// Whether a generative model learns this column at all.
    pub fn is_modelled(&self) -> bool {
        !matches!(self, Kind::Identifier | Kind::Text)
    }
}

/// What a column is for in evaluation and masking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Feature,
    /// The outcome used for utility (train-on-synthetic, test-on-real).
    Target,
    /// A direct identifier handled by the masking policy.
    Identifier,
    /// A protected attribute for per-group fairness checks (sex, race).
    Sensitive,
}

/// Where a column's bounds and categories came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DomainSource {
    /// Read off the data: private under differential privacy.
    #[default]
    Data,
    /// Declared by the user as public domain knowledge (e.g. age 0-120).
    Public,
}

/// The kind of direct identifier a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierType {
    Name,
    Email,
    Phone,
    /// National ID numbers such as US SSNs.
    Ssn,
    /// Medical record numbers and other record keys.
    Mrn,
    /// A value unique to each row with no recognisable pattern.
    RowKey,
    Address,
    Postcode,
    /// An exact date of birth.
    BirthDate,
    /// Another exact date tied to a person (admission, death).
    ExactDate,
    /// Free-text notes that may contain any of the above.
    FreeText,
}

/// What masking does with an identifier column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskAction {
    /// Remove the column.
    Drop,
    /// Replace by HMAC-SHA256(secret, value): consistent across files, so
    /// records can still be linked by whoever holds the secret.
    Pseudonymize,
    /// Coarsen: dates to year (or age band), postcodes to their prefix.
    Generalize,
    /// Drop from the model; realistic fake values are drawn at sample time.
    Fake,
    /// Leave as is (the user accepts the risk; recorded in the audit trail).
    Keep,
}

/// One column of the schema. Optional fields are filled by inference and may
/// be overridden by the user in `schema.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    pub kind: Kind,
    #[serde(default)]
    pub role: Role,
    /// Lower bound for numeric kinds (datetime: seconds since 1970).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound for numeric kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The labels of a categorical or boolean column, as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Where `min`/`max`/`categories` came from.
    #[serde(default)]
    pub domain: DomainSource,
    /// Share of missing cells seen in the data (0..=1); informational.
    #[serde(default)]
    pub missing_share: f64,
    /// Decimal places to round continuous values to on output (e.g. 1 for
    /// heart `oldpeak`); `None` keeps full precision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// Set when the column is a direct identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<IdentifierType>,
    /// Masking action for identifier and text columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<MaskAction>,
}

impl ColumnSchema {
    /// A column of the given kind with no bounds or categories yet.
    pub fn new(name: impl Into<String>, kind: Kind) -> Self {
        ColumnSchema {
            name: name.into(),
            kind,
            role: Role::Feature,
            min: None,
            max: None,
            categories: None,
            domain: DomainSource::Data,
            missing_share: 0.0,
            decimals: None,
            identifier: None,
            action: None,
        }
    }
}

/// The whole schema, in column order of the table it describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Schema {
    pub columns: Vec<ColumnSchema>,
}

impl Schema {
    pub fn column(&self, name: &str) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut ColumnSchema> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The target column, if one is marked.
    pub fn target(&self) -> Option<&ColumnSchema> {
        self.columns.iter().find(|c| c.role == Role::Target)
    }

    /// Columns a generative model learns (not identifiers or free text).
    pub fn modelled(&self) -> impl Iterator<Item = &ColumnSchema> {
        self.columns.iter().filter(|c| c.kind.is_modelled())
    }
}

// Inference lives in its own module; re-exported here because callers think
// of it as "the schema of this table".
pub use crate::infer::{InferOptions, InferReport, infer};
