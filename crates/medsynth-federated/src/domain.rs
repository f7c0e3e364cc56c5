//! Agreeing on the columns' domain before any statistics are exchanged.
//!
//! Why: per-site histograms can only be added when every site bins over the
//! same bounds, and category counts only when every site uses the same label
//! list. The domain comes from `schema.json` when the federation declares it
//! as public knowledge (`"domain": "public"` with `min`/`max`/`categories`),
//! which reveals nothing about any site. Otherwise each site sends its
//! [`SiteDomain`] (per numeric column its min and max, per discrete column
//! the set of labels it holds) and the server takes the union. That reveals
//! each site's extremes and label sets — say so to the sites, or declare the
//! domain; under DP only the declared domain is acceptable.

use std::collections::BTreeSet;

use medsynth_data::{DomainSource, Schema, Table};
use medsynth_model::spec::{labels_of, numeric_values};
use medsynth_model::stats::sort_labels;
use serde::{Deserialize, Serialize};

use crate::error::{FederatedError, Result};

/// One modelled column's domain as seen at one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnDomain {
    /// `None` when every cell of the column is missing at this site.
    Numeric {
        min: Option<f64>,
        max: Option<f64>,
    },
    Discrete {
        labels: Vec<String>,
    },
}

/// What a site reveals in the domain phase (modelled columns in schema order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteDomain {
    pub columns: Vec<ColumnDomain>,
}

/// True when the schema already fixes the column's domain as public.
fn declared(c: &medsynth_data::ColumnSchema) -> bool {
    c.domain == DomainSource::Public
        && if c.kind.is_discrete() {
            c.categories.as_ref().is_some_and(|l| !l.is_empty())
        } else {
            c.min.is_some_and(f64::is_finite) && c.max.is_some_and(f64::is_finite)
        }
}

/// True when every modelled column's domain is declared public in the
/// schema: then the domain phase is skipped and nothing is revealed by it.
pub fn domain_is_declared(schema: &Schema) -> bool {
    schema.modelled().all(declared)
}

/// Modelled columns whose domain is not declared public (what a DP
/// federation refuses: a site's own bounds or label set is exact
/// information about its patients).
pub fn undeclared_columns(schema: &Schema) -> Vec<String> {
    schema
        .modelled()
        .filter(|c| !declared(c))
        .map(|c| c.name.clone())
        .collect()
}

/// Site side: the domain of the site's own table.
pub fn site_domain(table: &Table, schema: &Schema) -> Result<SiteDomain> {
    let mut columns = Vec::new();
    for c in schema.modelled() {
        let data = table.column(&c.name).ok_or_else(|| {
            FederatedError::Input(format!(
                "the schema names column '{}' but the site's table has no such column",
                c.name
            ))
        })?;
        if c.kind.is_discrete() {
            let set: BTreeSet<String> = labels_of(data).into_iter().flatten().collect();
            columns.push(ColumnDomain::Discrete {
                labels: set.into_iter().collect(),
            });
        } else {
            let values = numeric_values(data)?;
            let finite = values.iter().copied().filter(|v| v.is_finite());
            let min = finite.clone().reduce(f64::min);
            let max = finite.reduce(f64::max);
            columns.push(ColumnDomain::Numeric { min, max });
        }
    }
    Ok(SiteDomain { columns })
}

/// Server side: the schema with every modelled column's domain filled in —
/// declared public domains are kept, the others become the union of the
/// sites' domains (min of mins, max of maxes, union of labels in the
/// project's label order).
pub fn merge_domains(schema: &Schema, sites: &[SiteDomain]) -> Result<Schema> {
    let mut out = schema.clone();
    let n = schema.modelled().count();
    for (i, s) in sites.iter().enumerate() {
        if s.columns.len() != n {
            return Err(FederatedError::Input(format!(
                "site {i} sent the domain of {} columns, the schema models {n}",
                s.columns.len()
            )));
        }
    }
    for (j, c) in out
        .columns
        .iter_mut()
        .filter(|c| c.kind.is_modelled())
        .enumerate()
    {
        if declared(c) {
            continue;
        }
        if c.kind.is_discrete() {
            let mut set = BTreeSet::new();
            for (i, s) in sites.iter().enumerate() {
                match &s.columns[j] {
                    ColumnDomain::Discrete { labels } => set.extend(labels.iter().cloned()),
                    ColumnDomain::Numeric { .. } => return Err(kind_mismatch(i, &c.name)),
                }
            }
            let mut labels: Vec<String> = set.into_iter().collect();
            sort_labels(&mut labels);
            if labels.is_empty() {
                return Err(all_missing(&c.name));
            }
            c.categories = Some(labels);
        } else {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (i, s) in sites.iter().enumerate() {
                match &s.columns[j] {
                    ColumnDomain::Numeric { min, max } => {
                        if let (Some(a), Some(b)) = (min, max) {
                            lo = lo.min(*a);
                            hi = hi.max(*b);
                        }
                    }
                    ColumnDomain::Discrete { .. } => return Err(kind_mismatch(i, &c.name)),
                }
            }
            if !(lo.is_finite() && hi.is_finite()) {
                return Err(all_missing(&c.name));
            }
            c.min = Some(lo);
            c.max = Some(hi);
        }
        c.domain = DomainSource::Data;
    }
    Ok(out)
}

fn kind_mismatch(site: usize, column: &str) -> FederatedError {
    FederatedError::Input(format!(
        "site {site} sent a domain of another kind for column '{column}': the sites use different schemas"
    ))
}

fn all_missing(column: &str) -> FederatedError {
    FederatedError::Input(format!(
        "column '{column}' is missing in every row of every site: there is nothing to learn; drop it (schema kind \"text\")"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, ColumnSchema, Kind};

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("g", Kind::Categorical),
                ColumnSchema::new("note", Kind::Text),
            ],
        }
    }

    fn site(xs: &[Option<f64>], gs: &[Option<&str>]) -> Table {
        let notes: Vec<Option<&str>> = vec![Some("n"); xs.len()];
        Table::new(vec![
            Column::from_f64("x", xs),
            Column::from_strs("g", gs),
            Column::from_strs("note", &notes),
        ])
        .unwrap()
    }

    #[test]
    fn union_of_site_domains() {
        let s = schema();
        let a = site_domain(&site(&[Some(3.0), None], &[Some("b"), Some("10")]), &s).unwrap();
        let b = site_domain(&site(&[Some(-1.0), Some(2.0)], &[Some("2"), None]), &s).unwrap();
        let merged = merge_domains(&s, &[a, b]).unwrap();
        assert_eq!(merged.columns[0].min, Some(-1.0));
        assert_eq!(merged.columns[0].max, Some(3.0));
        assert_eq!(
            merged.columns[1].categories,
            Some(vec!["10".to_string(), "2".into(), "b".into()])
        );
        assert_eq!(merged.columns[2], s.columns[2]);
        assert!(domain_is_declared(&Schema {
            columns: vec![s.columns[2].clone()]
        }));
        assert!(!domain_is_declared(&s));
    }

    #[test]
    fn declared_public_domain_wins_and_all_missing_is_an_error() {
        let mut s = schema();
        s.columns[0].domain = DomainSource::Public;
        (s.columns[0].min, s.columns[0].max) = (Some(0.0), Some(120.0));
        let a = site_domain(&site(&[Some(3.0)], &[Some("b")]), &s).unwrap();
        let merged = merge_domains(&s, &[a]).unwrap();
        assert_eq!(merged.columns[0].max, Some(120.0));
        let none = site_domain(&site(&[Some(1.0)], &[None]), &s).unwrap();
        let err = merge_domains(&s, &[none]).unwrap_err().to_string();
        assert!(err.contains("'g'") && err.contains("every row"), "{err}");
        let short = SiteDomain { columns: vec![] };
        assert!(merge_domains(&s, &[short]).is_err());
    }
}
