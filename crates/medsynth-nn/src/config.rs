//! GAN hyper-parameters and the description of the data vector's layout.

use crate::error::NnError;

/// How one block of generator output columns is activated. The model's
/// encoder produces a list of these covering the whole data vector in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanActivation {
    /// `tanh`, for the scalar α ∈ (−1, 1) of mode-specific normalisation.
    Tanh,
    /// No activation.
    Identity,
    /// Gumbel-softmax with temperature [`GanConfig::gumbel_tau`], for one-hot blocks.
    Softmax,
}

/// A contiguous block `start..start+width` of the data vector and its activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSpan {
    pub start: usize,
    pub width: usize,
    pub activation: SpanActivation,
}

/// A discrete column that the conditional vector can select (CTGAN's
/// training-by-sampling): its one-hot block sits at `output_start` in the data
/// vector and at `cond_start` in the cond vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CondColumn {
    pub output_start: usize,
    pub cond_start: usize,
    pub width: usize,
}

/// Architecture and optimiser settings. [`GanConfig::ctgan`] gives CTGAN's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct GanConfig {
    /// Width of one encoded data row (the generator's output).
    pub data_dim: usize,
    /// Width of the conditional vector (0 when the table has no discrete column).
    pub cond_dim: usize,
    /// Width of the Gaussian noise fed to the generator (CTGAN: 128).
    pub noise_dim: usize,
    /// Residual block widths of the generator (CTGAN: [256, 256]).
    pub generator_hidden: Vec<usize>,
    /// Hidden widths of the critic (CTGAN: [256, 256]).
    pub critic_hidden: Vec<usize>,
    /// Rows the critic sees jointly (PacGAN; CTGAN: 10). Batches must be a multiple.
    pub pac: usize,
    /// Dropout probability after each critic hidden layer (CTGAN: 0.5).
    pub critic_dropout: f32,
    /// Negative slope of the critic's LeakyReLU (CTGAN: 0.2).
    pub leaky_slope: f32,
    /// Weight of the WGAN gradient penalty (CTGAN: 10).
    pub gp_lambda: f32,
    pub lr_generator: f32,
    pub lr_critic: f32,
    /// Adam (β1, β2) for both networks (CTGAN: (0.5, 0.9)).
    pub betas: (f32, f32),
    /// L2 penalty added to the gradient, as torch Adam's `weight_decay` (CTGAN: 1e-6).
    pub weight_decay: f32,
    /// Gumbel-softmax temperature for one-hot spans (CTGAN: 0.2).
    pub gumbel_tau: f32,
    /// Requested worker threads (0 = all cores). Advisory: the GEMM thread pool
    /// is process-wide (`MATMUL_NUM_THREADS`); see the crate docs.
    pub threads: usize,
    /// Activation spans covering `0..data_dim` in order.
    pub outputs: Vec<OutputSpan>,
    /// Discrete columns selectable by the conditional vector.
    pub cond_columns: Vec<CondColumn>,
}

impl GanConfig {
    /// CTGAN's default architecture and optimiser for the given data layout.
    pub fn ctgan(
        data_dim: usize,
        cond_dim: usize,
        outputs: Vec<OutputSpan>,
        cond_columns: Vec<CondColumn>,
    ) -> Self {
        GanConfig {
            data_dim,
            cond_dim,
            noise_dim: 128,
            generator_hidden: vec![256, 256],
            critic_hidden: vec![256, 256],
            pac: 10,
            critic_dropout: 0.5,
            leaky_slope: 0.2,
            gp_lambda: 10.0,
            lr_generator: 2e-4,
            lr_critic: 2e-4,
            betas: (0.5, 0.9),
            weight_decay: 1e-6,
            gumbel_tau: 0.2,
            threads: 0,
            outputs,
            cond_columns,
        }
    }

    /// Width of one critic input row: `pac · (data_dim + cond_dim)`.
    pub fn critic_input_dim(&self) -> usize {
        self.pac * (self.data_dim + self.cond_dim)
    }

    /// Checks every field; the error names the field and the offending value.
    pub fn validate(&self) -> Result<(), NnError> {
        if self.data_dim == 0 {
            return Err(NnError::config("data_dim", "must be at least 1"));
        }
        if self.noise_dim == 0 {
            return Err(NnError::config("noise_dim", "must be at least 1"));
        }
        if self.pac == 0 {
            return Err(NnError::config("pac", "must be at least 1"));
        }
        if let Some(i) = self.generator_hidden.iter().position(|&w| w == 0) {
            return Err(NnError::config(
                "generator_hidden",
                format!("layer {i} has width 0"),
            ));
        }
        if let Some(i) = self.critic_hidden.iter().position(|&w| w == 0) {
            return Err(NnError::config(
                "critic_hidden",
                format!("layer {i} has width 0"),
            ));
        }
        let unit = |field: &'static str, v: f32, open_top: bool| {
            if !(v >= 0.0 && (v < 1.0 || (!open_top && v <= 1.0))) {
                Err(NnError::config(
                    field,
                    format!("{v} is outside [0, 1{}", if open_top { ")" } else { "]" }),
                ))
            } else {
                Ok(())
            }
        };
        unit("critic_dropout", self.critic_dropout, true)?;
        unit("leaky_slope", self.leaky_slope, false)?;
        unit("betas.0", self.betas.0, true)?;
        unit("betas.1", self.betas.1, true)?;
        let nonneg = |field: &'static str, v: f32| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(NnError::config(
                    field,
                    format!("{v} must be finite and ≥ 0"),
                ))
            }
        };
        nonneg("gp_lambda", self.gp_lambda)?;
        nonneg("weight_decay", self.weight_decay)?;
        nonneg("lr_generator", self.lr_generator)?;
        nonneg("lr_critic", self.lr_critic)?;
        if !(self.gumbel_tau.is_finite() && self.gumbel_tau > 0.0) {
            return Err(NnError::config(
                "gumbel_tau",
                format!("{} must be > 0", self.gumbel_tau),
            ));
        }
        let mut next = 0;
        for (i, s) in self.outputs.iter().enumerate() {
            if s.start != next || s.width == 0 {
                return Err(NnError::config(
                    "outputs",
                    format!(
                        "span {i} is {}..{} but spans must be non-empty and start at {next}",
                        s.start,
                        s.start + s.width
                    ),
                ));
            }
            next += s.width;
        }
        if next != self.data_dim {
            return Err(NnError::config(
                "outputs",
                format!("spans cover 0..{next} but data_dim is {}", self.data_dim),
            ));
        }
        for (i, c) in self.cond_columns.iter().enumerate() {
            let matches_softmax = self.outputs.iter().any(|s| {
                s.start == c.output_start
                    && s.width == c.width
                    && s.activation == SpanActivation::Softmax
            });
            if !matches_softmax {
                return Err(NnError::config(
                    "cond_columns",
                    format!(
                        "column {i} ({}..{}) is not a Softmax output span",
                        c.output_start,
                        c.output_start + c.width
                    ),
                ));
            }
            if c.cond_start + c.width > self.cond_dim {
                return Err(NnError::config(
                    "cond_columns",
                    format!(
                        "column {i} ends at {} beyond cond_dim {}",
                        c.cond_start + c.width,
                        self.cond_dim
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans() -> Vec<OutputSpan> {
        vec![
            OutputSpan {
                start: 0,
                width: 1,
                activation: SpanActivation::Tanh,
            },
            OutputSpan {
                start: 1,
                width: 3,
                activation: SpanActivation::Softmax,
            },
        ]
    }

    #[test]
    fn ctgan_defaults_validate() {
        let c = GanConfig::ctgan(
            4,
            3,
            spans(),
            vec![CondColumn {
                output_start: 1,
                cond_start: 0,
                width: 3,
            }],
        );
        c.validate().unwrap();
        assert_eq!(c.critic_input_dim(), 70);
    }

    #[test]
    fn rejects_gaps_bad_cond_columns_and_ranges() {
        let mut c = GanConfig::ctgan(5, 3, spans(), vec![]);
        assert!(matches!(
            c.validate(),
            Err(NnError::InvalidConfig {
                field: "outputs",
                ..
            })
        ));
        c.data_dim = 4;
        c.cond_columns = vec![CondColumn {
            output_start: 0,
            cond_start: 0,
            width: 1,
        }];
        assert!(matches!(
            c.validate(),
            Err(NnError::InvalidConfig {
                field: "cond_columns",
                ..
            })
        ));
        c.cond_columns = vec![CondColumn {
            output_start: 1,
            cond_start: 1,
            width: 3,
        }];
        assert!(matches!(
            c.validate(),
            Err(NnError::InvalidConfig {
                field: "cond_columns",
                ..
            })
        ));
        c.cond_columns.clear();
        c.critic_dropout = 1.0;
        assert!(matches!(
            c.validate(),
            Err(NnError::InvalidConfig {
                field: "critic_dropout",
                ..
            })
        ));
        c.critic_dropout = 0.5;
        c.gumbel_tau = 0.0;
        assert!(c.validate().is_err());
    }
}
