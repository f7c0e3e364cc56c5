//! The Gower space every privacy attack measures distances in, derived from
//! the one shared encoding of the tables ([`crate::prepare::Prepared`]).
//!
//! Gower's distance between two records is the mean over columns of
//! `|x − y| / range` for numeric columns and a 0/1 mismatch for categorical
//! ones. From the prepared tables we build, once per table, a compact f32
//! matrix of numeric values already divided by the train range and a u32
//! matrix of the shared category codes, so that the quadratic
//! nearest-neighbour loops do nothing but subtractions and integer compares.
//! Which cells are the same category and which are missing is therefore
//! decided by `prepare` for the attacks exactly as for fidelity and utility.
//!
//! Missing cells: a missing category is a level of its own (the prepared
//! missing code, as in the fidelity metrics); a missing number is stored as
//! a far-away sentinel and each numeric term is capped at 1, so "both
//! missing" costs 0 and "one missing" costs 1 — the usual Gower convention —
//! with no branch in the inner loop. The cap also keeps synthetic values
//! outside the train range from dominating a distance (the term can never
//! exceed a full category mismatch).

use crate::error::EvalError;
use crate::prepare::{Prepared, PreparedData};

/// Value stored for a missing number: farther than 1 from any scaled value.
pub(crate) const MISSING: f32 = -1.0e6;

/// How the prepared columns map to the Gower space: numeric columns first
/// (with the reference table's minimum and inverse range), then
/// categorical ones, each in schema order.
#[derive(Debug, Clone)]
pub struct GowerSpace {
    /// Numeric columns: name, prepared column index, reference minimum,
    /// 1 / reference range (1 when the range is empty or zero).
    pub numeric: Vec<(String, usize, f64, f64)>,
    /// Categorical columns: name and prepared column index.
    pub categorical: Vec<(String, usize)>,
}

/// One table in the Gower space: `n` rows of `numeric` (row-major, already
/// scaled) and `categorical` codes (row-major).
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    pub n: usize,
    pub pn: usize,
    pub pc: usize,
    pub num: Vec<f32>,
    pub cat: Vec<u32>,
}

impl Encoded {
    /// The rows at `idx`, in that order.
    pub fn take(&self, idx: &[usize]) -> Encoded {
        let mut num = Vec::with_capacity(idx.len() * self.pn);
        let mut cat = Vec::with_capacity(idx.len() * self.pc);
        for &i in idx {
            num.extend_from_slice(self.num_row(i));
            cat.extend_from_slice(self.cat_row(i));
        }
        Encoded {
            n: idx.len(),
            pn: self.pn,
            pc: self.pc,
            num,
            cat,
        }
    }

    /// Number of columns (the Gower denominator).
    pub fn width(&self) -> usize {
        self.pn + self.pc
    }

    pub(crate) fn num_row(&self, i: usize) -> &[f32] {
        &self.num[i * self.pn..(i + 1) * self.pn]
    }

    pub(crate) fn cat_row(&self, i: usize) -> &[u32] {
        &self.cat[i * self.pc..(i + 1) * self.pc]
    }
}

impl GowerSpace {
    /// The space of every prepared column (identifiers and free text never
    /// reach `Prepared`: they are masked, not synthesised).
    pub fn of(p: &Prepared) -> Result<GowerSpace, EvalError> {
        let mut space = GowerSpace {
            numeric: Vec::new(),
            categorical: Vec::new(),
        };
        for (ci, col) in p.columns.iter().enumerate() {
            match &col.data {
                PreparedData::Numeric(d) => {
                    let lo = if d.ref_min.is_finite() {
                        d.ref_min
                    } else {
                        0.0
                    };
                    let inv = d.ref_range().map_or(1.0, |r| 1.0 / r);
                    space.numeric.push((col.name.clone(), ci, lo, inv));
                }
                PreparedData::Categorical(_) => {
                    space.categorical.push((col.name.clone(), ci));
                }
            }
        }
        if space.numeric.is_empty() && space.categorical.is_empty() {
            return Err(EvalError::Invalid(
                "the schema has no modelled columns to compare (all identifiers or text)".into(),
            ));
        }
        Ok(space)
    }

    /// Table `t` of the prepared set in this space.
    pub fn encode(&self, p: &Prepared, t: usize) -> Encoded {
        let n = p.n_rows[t];
        let (pn, pc) = (self.numeric.len(), self.categorical.len());
        let mut num = vec![0.0f32; n * pn];
        let mut cat = vec![0u32; n * pc];
        for (j, &(_, ci, lo, inv)) in self.numeric.iter().enumerate() {
            if let PreparedData::Numeric(d) = &p.columns[ci].data {
                for (r, &v) in d.values[t].iter().enumerate() {
                    num[r * pn + j] = if v.is_nan() {
                        MISSING
                    } else {
                        ((v - lo) * inv) as f32
                    };
                }
            }
        }
        for (j, &(_, ci)) in self.categorical.iter().enumerate() {
            if let PreparedData::Categorical(d) = &p.columns[ci].data {
                for (r, &c) in d.codes[t].iter().enumerate() {
                    cat[r * pc + j] = c;
                }
            }
        }
        Encoded {
            n,
            pn,
            pc,
            num,
            cat,
        }
    }

    /// Names of the columns in Gower order: numeric first, then categorical.
    pub fn column_names(&self) -> Vec<String> {
        self.numeric
            .iter()
            .map(|c| c.0.clone())
            .chain(self.categorical.iter().map(|c| c.0.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::prepare;
    use medsynth_data::{Column, ColumnSchema, Kind, Schema, Table};

    fn table() -> Table {
        Table::new(vec![
            Column::from_f64("x", &[Some(0.0), Some(10.0), None]),
            Column::from_strs("c", &[Some("a"), None, Some("b")]),
        ])
        .unwrap()
    }

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("c", Kind::Categorical),
                ColumnSchema::new("x", Kind::Continuous),
            ],
        }
    }

    #[test]
    fn scales_by_train_range_and_shares_codes() {
        let t = table();
        let other = Table::new(vec![
            Column::from_f64("x", &[Some(5.0)]),
            Column::from_strs("c", &[Some("zzz")]),
        ])
        .unwrap();
        let p = prepare(&[("train", &t), ("synthetic", &other)], &schema()).unwrap();
        let s = GowerSpace::of(&p).unwrap();
        assert_eq!(s.column_names(), ["x", "c"], "numeric columns first");
        let e = s.encode(&p, 0);
        assert_eq!(e.num, vec![0.0, 1.0, MISSING]);
        let PreparedData::Categorical(c) = &p.columns[0].data else {
            panic!("categorical")
        };
        assert_eq!(e.cat, vec![0, c.missing_code(), 1]);
        let e2 = s.encode(&p, 1);
        assert_eq!(e2.num, vec![0.5]);
        assert_eq!(e2.cat, vec![2], "unseen level gets a code of its own");
        assert_ne!(e2.cat[0], c.missing_code());
    }

    #[test]
    fn no_comparable_column_is_a_user_error() {
        let t = Table::new(vec![Column::from_strs("id", &[Some("a")])]).unwrap();
        let s = Schema {
            columns: vec![ColumnSchema::new("id", Kind::Identifier)],
        };
        let p = prepare(&[("train", &t)], &s).unwrap();
        let e = GowerSpace::of(&p).unwrap_err();
        assert!(e.is_user_error() && e.to_string().contains("no modelled columns"));
    }
}
