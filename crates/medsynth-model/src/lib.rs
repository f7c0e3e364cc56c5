//! Reversible data encoder and synthesizers (conditional tabular GAN, Gaussian copula, independent marginals): fit, save, sample.
