//! Adam with L2 weight decay added to the gradient, the same update as
//! `torch.optim.Adam(weight_decay=…)` (not AdamW), so CTGAN's hyper-parameters
//! carry over unchanged.

use crate::real::Real;

/// First and second moments for one flat parameter vector, plus the step count.
#[derive(Debug, Clone)]
pub(crate) struct Adam<T> {
    pub m: Vec<T>,
    pub v: Vec<T>,
    pub step: u64,
    pub lr: T,
    pub beta1: T,
    pub beta2: T,
    pub weight_decay: T,
    pub eps: T,
}

impl<T: Real> Adam<T> {
    pub fn new(n: usize, lr: f32, betas: (f32, f32), weight_decay: f32) -> Self {
        Adam {
            m: vec![T::ZERO; n],
            v: vec![T::ZERO; n],
            step: 0,
            lr: T::from_f32(lr),
            beta1: T::from_f32(betas.0),
            beta2: T::from_f32(betas.1),
            weight_decay: T::from_f32(weight_decay),
            eps: T::from_f64(1e-8),
        }
    }

    /// `g ← g + wd·p; m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²;
    /// p ← p − (lr/(1−β1ᵗ)) · m / (√v/√(1−β2ᵗ) + ε)`.
    pub fn update(&mut self, params: &mut [T], grad: &[T]) {
        self.step += 1;
        let t = self.step as i32;
        let bc1 = 1.0 - self.beta1.to_f64().powi(t);
        let bc2 = 1.0 - self.beta2.to_f64().powi(t);
        let step_size = T::from_f64(self.lr.to_f64() / bc1);
        let inv_sqrt_bc2 = T::from_f64(1.0 / bc2.sqrt());
        let (b1, b2, wd, eps) = (self.beta1, self.beta2, self.weight_decay, self.eps);
        let (ob1, ob2) = (T::ONE - b1, T::ONE - b2);
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            let g = g + wd * *p;
            *m = b1 * *m + ob1 * g;
            *v = b2 * *v + ob2 * g * g;
            *p -= step_size * *m / (v.sqrt() * inv_sqrt_bc2 + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_moves_each_parameter_by_about_lr() {
        // With bias correction, the first Adam step is lr·sign(g) (up to ε).
        let mut a = Adam::<f64>::new(3, 0.01, (0.5, 0.9), 0.0);
        let mut p = vec![1.0, -2.0, 0.5];
        a.update(&mut p, &[3.0, -0.001, 0.0]);
        assert!((p[0] - 0.99).abs() < 1e-9);
        assert!((p[1] + 1.99).abs() < 1e-4);
        assert_eq!(p[2], 0.5);
    }

    #[test]
    fn weight_decay_pulls_towards_zero() {
        let mut a = Adam::<f64>::new(1, 0.1, (0.5, 0.9), 1.0);
        let mut p = vec![2.0];
        a.update(&mut p, &[0.0]);
        assert!(p[0] < 2.0);
    }

    #[test]
    fn minimises_a_quadratic() {
        let mut a = Adam::<f64>::new(2, 0.05, (0.9, 0.999), 0.0);
        let mut p = vec![3.0, -4.0];
        for _ in 0..2000 {
            let g = vec![2.0 * (p[0] - 1.0), 2.0 * (p[1] + 0.5)];
            a.update(&mut p, &g);
        }
        assert!((p[0] - 1.0).abs() < 1e-2 && (p[1] + 0.5).abs() < 1e-2);
    }
}
