//! Public-API behaviour of the GAN engine: determinism, error reporting,
//! checkpoint round trips, output ranges, and that training actually learns.

use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, NnError, OutputSpan, SpanActivation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// data: [tanh α | softmax(3) | tanh α | softmax(2)]; cond selects either softmax.
fn config() -> GanConfig {
    let outputs = vec![
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
        OutputSpan {
            start: 4,
            width: 1,
            activation: SpanActivation::Tanh,
        },
        OutputSpan {
            start: 5,
            width: 2,
            activation: SpanActivation::Softmax,
        },
    ];
    let cond_columns = vec![
        CondColumn {
            output_start: 1,
            cond_start: 0,
            width: 3,
        },
        CondColumn {
            output_start: 5,
            cond_start: 3,
            width: 2,
        },
    ];
    GanConfig {
        noise_dim: 16,
        generator_hidden: vec![32, 32],
        critic_hidden: vec![32, 32],
        pac: 5,
        ..GanConfig::ctgan(7, 5, outputs, cond_columns)
    }
}

/// Real rows: α ~ U(0.2, 0.6), category 0 of 3 with p = 0.7, second column
/// category 1 with p = 0.8; cond picks column 0 for even rows, 1 for odd.
fn batch(n: usize, rng: &mut ChaCha8Rng) -> (Matrix, Matrix, Matrix, Vec<Option<usize>>) {
    let mut real = Matrix::zeros(n, 7);
    let mut cond = Matrix::zeros(n, 5);
    let mut fake_cond = Matrix::zeros(n, 5);
    let mut sel = Vec::with_capacity(n);
    for i in 0..n {
        let r = real.row_mut(i);
        r[0] = 0.2 + 0.4 * rng.random::<f32>();
        let c1 = if rng.random::<f32>() < 0.7 {
            0
        } else {
            1 + rng.random_range(0..2)
        };
        r[1 + c1] = 1.0;
        r[4] = -0.5;
        let c2 = if rng.random::<f32>() < 0.8 { 1 } else { 0 };
        r[5 + c2] = 1.0;
        if i % 2 == 0 {
            cond.row_mut(i)[c1] = 1.0;
            fake_cond.row_mut(i)[rng.random_range(0..3)] = 1.0;
            sel.push(Some(0));
        } else {
            cond.row_mut(i)[3 + c2] = 1.0;
            fake_cond.row_mut(i)[3 + rng.random_range(0..2)] = 1.0;
            sel.push(Some(1));
        }
    }
    (real, cond, fake_cond, sel)
}

fn train(gan: &mut Gan, steps: usize, rng: &mut ChaCha8Rng) {
    for _ in 0..steps {
        let (real, cond, fake_cond, sel) = batch(50, rng);
        let c = gan.critic_step(&real, &cond, &fake_cond, rng).unwrap();
        assert!(c.loss.is_finite() && c.penalty >= 0.0);
        let g = gan.generator_step(&fake_cond, &sel, rng).unwrap();
        assert!(g.loss.is_finite() && g.cond_loss >= 0.0);
    }
}

fn params(gan: &Gan) -> Vec<Vec<u32>> {
    gan.export_parameters(true)
        .iter()
        .map(|t| t.data.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn same_seed_gives_bit_identical_parameters() {
    let run = |threads: usize| {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let mut gan = Gan::new(
            GanConfig {
                threads,
                ..config()
            },
            &mut rng,
        )
        .unwrap();
        train(&mut gan, 5, &mut rng);
        params(&gan)
    };
    assert_eq!(run(1), run(1));
    assert_eq!(run(2), run(2));
    let mut rng = ChaCha8Rng::seed_from_u64(43);
    let mut other = Gan::new(config(), &mut rng).unwrap();
    train(&mut other, 5, &mut rng);
    assert_ne!(run(2), params(&other));
}

#[test]
fn bad_shapes_are_errors_not_panics() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut gan = Gan::new(config(), &mut rng).unwrap();
    let (real, cond, fake_cond, sel) = batch(50, &mut rng);
    // 48 is not a multiple of pac = 5.
    let (r48, c48, f48, s48) = batch(48, &mut rng);
    assert!(matches!(
        gan.critic_step(&r48, &c48, &f48, &mut rng),
        Err(NnError::Shape { .. })
    ));
    assert!(matches!(
        gan.generator_step(&f48, &s48, &mut rng),
        Err(NnError::Shape { .. })
    ));
    let wide = Matrix::zeros(50, 8);
    assert!(gan.critic_step(&wide, &cond, &fake_cond, &mut rng).is_err());
    assert!(
        gan.critic_step(&real, &Matrix::zeros(45, 5), &fake_cond, &mut rng)
            .is_err()
    );
    assert!(
        gan.generator_step(&fake_cond, &sel[..10], &mut rng)
            .is_err()
    );
    let mut bad_sel = sel.clone();
    bad_sel[3] = Some(2);
    let err = gan
        .generator_step(&fake_cond, &bad_sel, &mut rng)
        .unwrap_err();
    assert!(err.to_string().contains("row 3"), "{err}");
    let broken = Matrix {
        rows: 50,
        cols: 5,
        data: vec![0.0; 10],
    };
    assert!(gan.generate(&broken, &mut rng).is_err());
    assert!(Gan::new(GanConfig { pac: 0, ..config() }, &mut rng).is_err());
    let mut nan = real.clone();
    nan.row_mut(7)[2] = f32::NAN;
    let err = gan
        .critic_step(&nan, &cond, &fake_cond, &mut rng)
        .unwrap_err();
    assert!(
        matches!(err, NnError::NonFinite(_)) && err.to_string().contains("row 7 column 2"),
        "{err}"
    );
}

#[test]
fn generated_rows_respect_span_activations() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let gan = Gan::new(config(), &mut rng).unwrap();
    let (_, cond, _, _) = batch(3000, &mut rng);
    let out = gan.generate(&cond, &mut rng).unwrap();
    assert_eq!((out.rows, out.cols), (3000, 7));
    for i in 0..out.rows {
        let r = out.row(i);
        assert!(r[0] > -1.0 && r[0] < 1.0 && r[4] > -1.0 && r[4] < 1.0);
        assert!((r[1..4].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!((r[5..7].iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let empty = gan.generate(&Matrix::zeros(0, 5), &mut rng).unwrap();
    assert_eq!(empty.rows, 0);
}

#[test]
fn checkpoint_round_trip_restores_training_state() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut a = Gan::new(config(), &mut rng).unwrap();
    train(&mut a, 3, &mut rng);
    let tensors = a.export_parameters(true);
    let mut b = Gan::new(config(), &mut ChaCha8Rng::seed_from_u64(100)).unwrap();
    assert_ne!(params(&a), params(&b));
    b.import_parameters(&tensors).unwrap();
    assert_eq!(params(&a), params(&b));
    // Identical continuation: the Adam moments and step counts came along.
    train(&mut a, 2, &mut ChaCha8Rng::seed_from_u64(1));
    train(&mut b, 2, &mut ChaCha8Rng::seed_from_u64(1));
    assert_eq!(params(&a), params(&b));
    // Generator-only export loads into a fresh engine and samples identically.
    let mut c = Gan::new(config(), &mut ChaCha8Rng::seed_from_u64(200)).unwrap();
    c.import_parameters(&a.export_parameters(false)).unwrap();
    let (_, cond, _, _) = batch(20, &mut rng);
    let ga = a
        .generate(&cond, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    let gc = c
        .generate(&cond, &mut ChaCha8Rng::seed_from_u64(3))
        .unwrap();
    assert_eq!(ga, gc);
}

#[test]
fn checkpoint_errors_name_the_tensor() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut gan = Gan::new(config(), &mut rng).unwrap();
    let before = params(&gan);
    let mut t = gan.export_parameters(true);
    t[0].shape = vec![1, 2];
    let err = gan.import_parameters(&t).unwrap_err();
    assert!(err.to_string().contains("generator.block0.weight"), "{err}");
    let mut t = gan.export_parameters(false);
    t.retain(|x| x.name != "generator.out.bias");
    assert!(
        gan.import_parameters(&t)
            .unwrap_err()
            .to_string()
            .contains("generator.out.bias")
    );
    let mut t = gan.export_parameters(false);
    t[1].data[0] = f32::NAN;
    assert!(gan.import_parameters(&t).is_err());
    let mut t = gan.export_parameters(false);
    t.push(t[0].clone());
    t.last_mut().unwrap().name = "critic.extra".into();
    assert!(
        gan.import_parameters(&t)
            .unwrap_err()
            .to_string()
            .contains("critic.extra")
    );
    assert_eq!(
        before,
        params(&gan),
        "failed imports must not modify the engine"
    );
}

#[test]
fn training_learns_marginals_and_respects_the_condition() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut gan = Gan::new(config(), &mut rng).unwrap();
    train(&mut gan, 1000, &mut rng);
    // Condition on category 2 of column 0 (15 % of real rows) for every row: the
    // generator must obey far more often than the marginal would suggest.
    let mut cond = Matrix::zeros(1000, 5);
    for i in 0..1000 {
        cond.row_mut(i)[2] = 1.0;
    }
    let out = gan.generate(&cond, &mut rng).unwrap();
    let hit = (0..1000).filter(|&i| out.row(i)[3] > 0.5).count();
    assert!(
        hit > 600,
        "conditioned category generated in {hit}/1000 rows"
    );
    // The constant second α (−0.5) is learned.
    let mean_alpha2 = (0..1000).map(|i| out.row(i)[4]).sum::<f32>() / 1000.0;
    assert!((mean_alpha2 + 0.5).abs() < 0.25, "mean α2 {mean_alpha2}");
}

#[test]
fn flat_generator_parameters_and_learning_rates() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut gan = Gan::new(config(), &mut rng).unwrap();
    let flat = gan.generator_parameters().to_vec();
    let exported: Vec<f32> = gan
        .export_parameters(false)
        .into_iter()
        .flat_map(|t| t.data)
        .collect();
    assert_eq!(flat, exported, "flat layout follows the export order");
    let (_, cond, _, _) = batch(10, &mut rng);
    let before = gan
        .generate(&cond, &mut ChaCha8Rng::seed_from_u64(1))
        .unwrap();
    train(&mut gan, 2, &mut rng);
    gan.set_generator_parameters(&flat).unwrap();
    assert_eq!(
        before,
        gan.generate(&cond, &mut ChaCha8Rng::seed_from_u64(1))
            .unwrap()
    );
    assert!(gan.set_generator_parameters(&flat[1..]).is_err());
    // A zero learning rate freezes the critic and generator.
    gan.set_learning_rates(0.0, 0.0).unwrap();
    let frozen = params(&gan);
    train(&mut gan, 1, &mut rng);
    let after = params(&gan);
    let n_weights = gan
        .export_parameters(true)
        .iter()
        .filter(|t| !t.name.starts_with("adam"))
        .count();
    assert_eq!(frozen[..n_weights], after[..n_weights]);
    assert!(gan.set_learning_rates(f32::NAN, 1e-4).is_err());
}
