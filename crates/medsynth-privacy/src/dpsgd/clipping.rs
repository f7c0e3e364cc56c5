//! Per-example gradient clipping: each example's gradient is scaled to L2
//! norm at most C, which bounds the sensitivity of their sum by C.

use crate::error::{PrivacyError, Result};

/// How many examples were clipped — a diagnostic worth logging: if nearly all
/// are clipped, C is too small and the gradient direction is distorted; if
/// none, C is too large and the noise (∝ C) is wasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClipStats {
    /// Examples processed.
    pub examples: usize,
    /// Examples whose gradient norm exceeded the clip norm.
    pub clipped: usize,
}

fn check_clip(clip_norm: f32) -> Result<()> {
    if clip_norm.is_finite() && clip_norm > 0.0 {
        Ok(())
    } else {
        Err(PrivacyError::InvalidParameter {
            name: "clip_norm",
            value: f64::from(clip_norm),
            hint: "must be a finite number greater than 0 (typical: 0.1 to 10)".into(),
        })
    }
}

/// Scale factors min(1, C/‖gᵢ‖) for per-example norms — for engines that
/// compute norms without materialising per-example gradients (ghost
/// clipping) and re-weight the loss instead.
pub fn clip_factors(norms: &[f32], clip_norm: f32, out: &mut Vec<f32>) -> Result<ClipStats> {
    check_clip(clip_norm)?;
    out.clear();
    let mut stats = ClipStats {
        examples: norms.len(),
        clipped: 0,
    };
    for (i, &n) in norms.iter().enumerate() {
        if !(n.is_finite() && n >= 0.0) {
            return Err(PrivacyError::InvalidInput {
                mechanism: "gradient clipping",
                message: format!("gradient norm of example {i} is {n} (diverged training?)"),
            });
        }
        if n > clip_norm {
            stats.clipped += 1;
            out.push(clip_norm / n);
        } else {
            out.push(1.0);
        }
    }
    Ok(stats)
}

/// Clips each row of `per_example` (row-major, `dim` columns) to L2 norm
/// `clip_norm` and adds the rows into `sum` (length `dim`, overwritten).
pub fn clip_and_sum(
    per_example: &[f32],
    dim: usize,
    clip_norm: f32,
    sum: &mut [f32],
) -> Result<ClipStats> {
    check_clip(clip_norm)?;
    if dim == 0 || !per_example.len().is_multiple_of(dim) || sum.len() != dim {
        return Err(PrivacyError::InvalidInput {
            mechanism: "gradient clipping",
            message: format!(
                "{} gradient values do not form rows of {dim}, or the output has {} values",
                per_example.len(),
                sum.len()
            ),
        });
    }
    sum.fill(0.0);
    let mut stats = ClipStats::default();
    for (i, row) in per_example.chunks_exact(dim).enumerate() {
        // Accumulate the norm in f64: f32 sums over 10⁵ parameters lose digits.
        let norm = row
            .iter()
            .map(|&g| f64::from(g) * f64::from(g))
            .sum::<f64>()
            .sqrt();
        if !norm.is_finite() {
            return Err(PrivacyError::InvalidInput {
                mechanism: "gradient clipping",
                message: format!("gradient of example {i} is not finite (diverged training?)"),
            });
        }
        let factor = if norm > f64::from(clip_norm) {
            stats.clipped += 1;
            (f64::from(clip_norm) / norm) as f32
        } else {
            1.0
        };
        for (s, &g) in sum.iter_mut().zip(row) {
            *s += factor * g;
        }
        stats.examples += 1;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_large_rows_only() {
        // rows: (3,4) norm 5 → scaled to (0.6, 0.8); (0.3, 0.4) kept.
        let g = [3.0, 4.0, 0.3, 0.4];
        let mut s = [0.0; 2];
        let st = clip_and_sum(&g, 2, 1.0, &mut s).unwrap();
        assert_eq!(
            st,
            ClipStats {
                examples: 2,
                clipped: 1
            }
        );
        assert!((s[0] - 0.9).abs() < 1e-6 && (s[1] - 1.2).abs() < 1e-6);
    }

    #[test]
    fn factors_match_explicit_clipping() {
        let mut f = Vec::new();
        let st = clip_factors(&[5.0, 0.5], 1.0, &mut f).unwrap();
        assert_eq!(st.clipped, 1);
        assert_eq!(f, vec![0.2, 1.0]);
    }

    #[test]
    fn rejects_shape_and_nan() {
        let mut s = [0.0; 2];
        assert!(clip_and_sum(&[1.0, 2.0, 3.0], 2, 1.0, &mut s).is_err());
        assert!(clip_and_sum(&[f32::NAN, 2.0], 2, 1.0, &mut s).is_err());
        assert!(clip_and_sum(&[1.0, 2.0], 2, 0.0, &mut s).is_err());
        assert!(clip_factors(&[f32::INFINITY], 1.0, &mut Vec::new()).is_err());
    }
}
