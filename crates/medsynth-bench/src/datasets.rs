//! The benchmark datasets and how the protocol reads them
//! (`/work/shared/benchmarks/peers.md`): which columns are categorical and
//! which label of the target is the positive class.

use std::path::PathBuf;

/// One dataset of the protocol.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: &'static str,
    pub file: &'static str,
    pub target: &'static str,
    pub positive: &'static [&'static str],
    /// Columns forced to categorical (the rest follow inference).
    pub categorical: &'static [&'static str],
    /// Columns forced to numeric.
    pub numeric: &'static [&'static str],
    /// Fold categories seen once into the column's mode (`--rare-categories
    /// merge`): adult has a one-off `native-country`, diabetes130 one-off
    /// diagnosis codes.
    pub merge_rare: bool,
}

pub const HEART: Dataset = Dataset {
    name: "heart",
    file: "heart_cleveland.csv",
    target: "num",
    positive: &["1", "2", "3", "4"],
    categorical: &[
        "sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num",
    ],
    numeric: &["age", "trestbps", "chol", "thalach", "oldpeak"],
    merge_rare: false,
};

pub const ADULT: Dataset = Dataset {
    name: "adult",
    file: "adult.csv",
    target: "income",
    positive: &[">50K"],
    categorical: &[
        "workclass",
        "education",
        "marital-status",
        "occupation",
        "relationship",
        "race",
        "sex",
        "native-country",
        "income",
    ],
    numeric: &[
        "age",
        "fnlwgt",
        "education-num",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
    ],
    merge_rare: true,
};

pub const DIABETES: Dataset = Dataset {
    name: "diabetes",
    file: "diabetes130.csv",
    target: "readmitted",
    positive: &["<30"],
    categorical: &[],
    numeric: &[],
    merge_rare: true,
};

impl Dataset {
    pub fn by_name(name: &str) -> Option<Dataset> {
        match name {
            "heart" => Some(HEART),
            "adult" => Some(ADULT),
            "diabetes" | "diabetes130" => Some(DIABETES),
            _ => None,
        }
    }

    /// The shared data directory, relative to the repository.
    pub fn path(&self, data_dir: Option<&PathBuf>) -> PathBuf {
        match data_dir {
            Some(d) => d.join(self.file),
            None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
                .join(self.file),
        }
    }
}
