//! Public domain knowledge for the DP benchmarks (`--public-domain`).
//!
//! Under differential privacy, column bounds and category lists read off the
//! data must be paid for; a data custodian normally declares them instead.
//! These are generic clinical / census ranges and the category codes of the
//! UCI data dictionaries — deliberately *not* the observed min/max of the
//! files, which would leak.

use medsynth_data::{DomainSource, Schema};

fn cats(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

/// Declares the public domains of `dataset`'s columns in `schema`.
pub fn declare(dataset: &str, mut schema: Schema) -> Schema {
    let ranges: &[(&str, f64, f64)] = match dataset {
        "heart" => &[
            ("age", 18.0, 100.0),
            ("trestbps", 80.0, 220.0),
            ("chol", 100.0, 600.0),
            ("thalach", 60.0, 220.0),
            ("oldpeak", 0.0, 7.0),
        ],
        "adult" => &[
            ("age", 16.0, 100.0),
            ("fnlwgt", 0.0, 1_500_000.0),
            ("education-num", 1.0, 16.0),
            ("capital-gain", 0.0, 100_000.0),
            ("capital-loss", 0.0, 5_000.0),
            ("hours-per-week", 0.0, 100.0),
        ],
        _ => &[],
    };
    let categories: &[(&str, &[&str])] = match dataset {
        "heart" => &[
            ("sex", &["0", "1"]),
            ("cp", &["1", "2", "3", "4"]),
            ("fbs", &["0", "1"]),
            ("restecg", &["0", "1", "2"]),
            ("exang", &["0", "1"]),
            ("slope", &["1", "2", "3"]),
            ("ca", &["0", "1", "2", "3"]),
            ("thal", &["3", "6", "7"]),
            ("num", &["0", "1", "2", "3", "4"]),
        ],
        "adult" => &[
            ("sex", &["Female", "Male"]),
            ("income", &["<=50K", ">50K"]),
            (
                "race",
                &[
                    "Amer-Indian-Eskimo",
                    "Asian-Pac-Islander",
                    "Black",
                    "Other",
                    "White",
                ],
            ),
        ],
        _ => &[],
    };
    for c in &mut schema.columns {
        if let Some(&(_, lo, hi)) = ranges.iter().find(|r| r.0 == c.name) {
            c.min = Some(lo);
            c.max = Some(hi);
            c.domain = DomainSource::Public;
        }
        if let Some(&(_, list)) = categories.iter().find(|r| r.0 == c.name) {
            c.categories = cats(list);
            c.domain = DomainSource::Public;
        }
    }
    schema
}
