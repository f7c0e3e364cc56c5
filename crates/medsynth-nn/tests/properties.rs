//! Property tests over random shapes: whatever the layout, generated rows keep
//! their span invariants, and export → import is the identity.

use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, OutputSpan, SpanActivation};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Builds a layout from a list of (kind, width) spans; every softmax span is
/// also a conditional column.
fn config(spans: &[(u8, usize)], pac: usize, hidden: usize) -> GanConfig {
    let mut outputs = Vec::new();
    let mut cond_columns = Vec::new();
    let (mut start, mut cond) = (0, 0);
    for &(kind, width) in spans {
        let activation = match kind % 3 {
            0 => SpanActivation::Tanh,
            1 => SpanActivation::Identity,
            _ => SpanActivation::Softmax,
        };
        let width = if activation == SpanActivation::Softmax {
            width
        } else {
            1
        };
        if activation == SpanActivation::Softmax {
            cond_columns.push(CondColumn {
                output_start: start,
                cond_start: cond,
                width,
            });
            cond += width;
        }
        outputs.push(OutputSpan {
            start,
            width,
            activation,
        });
        start += width;
    }
    GanConfig {
        noise_dim: 3,
        generator_hidden: vec![hidden, hidden],
        critic_hidden: vec![hidden],
        pac,
        ..GanConfig::ctgan(start, cond, outputs, cond_columns)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn steps_stay_finite_and_outputs_respect_spans(
        spans in prop::collection::vec((0u8..3, 1usize..5), 1..5),
        pac in 1usize..4,
        groups in 1usize..4,
        hidden in 1usize..9,
        seed in 0u64..1000,
    ) {
        let config = config(&spans, pac, hidden);
        let (d, c) = (config.data_dim, config.cond_dim);
        let n_cols = config.cond_columns.len();
        let outputs = config.outputs.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut gan = Gan::new(config, &mut rng).unwrap();
        let batch = pac * groups;
        let real = Matrix::from_vec(batch, d, (0..batch * d).map(|i| ((i * 7919) % 13) as f32 / 13.0).collect()).unwrap();
        let mut cond = Matrix::zeros(batch, c);
        let selected: Vec<Option<usize>> = (0..batch).map(|i| if n_cols == 0 { None } else { Some(i % n_cols) }).collect();
        for (i, s) in selected.iter().enumerate() {
            if let Some(k) = s {
                let col = gan.config().cond_columns[*k];
                cond.row_mut(i)[col.cond_start + i % col.width] = 1.0;
            }
        }
        for _ in 0..3 {
            let s = gan.critic_step(&real, &cond, &cond, &mut rng).unwrap();
            prop_assert!(s.loss.is_finite());
            let s = gan.generator_step(&cond, &selected, &mut rng).unwrap();
            prop_assert!(s.loss.is_finite());
        }
        let out = gan.generate(&cond, &mut rng).unwrap();
        for i in 0..batch {
            let row = out.row(i);
            for s in &outputs {
                let v = &row[s.start..s.start + s.width];
                match s.activation {
                    SpanActivation::Tanh => prop_assert!(v[0] >= -1.0 && v[0] <= 1.0),
                    SpanActivation::Identity => prop_assert!(v[0].is_finite()),
                    SpanActivation::Softmax => {
                        prop_assert!((v.iter().sum::<f32>() - 1.0).abs() < 1e-4);
                        prop_assert!(v.iter().all(|&p| p >= 0.0));
                    }
                }
            }
        }
        let mut copy = Gan::new(gan.config().clone(), &mut ChaCha8Rng::seed_from_u64(seed + 1)).unwrap();
        copy.import_parameters(&gan.export_parameters(true)).unwrap();
        prop_assert_eq!(copy.export_parameters(true), gan.export_parameters(true));
    }
}
