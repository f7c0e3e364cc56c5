//! Bit-identical training with `matrixmultiply`'s 2-thread pool at shapes
//! large enough that its GEMMs really are split across threads (the pool only
//! splits when `m·k + k·n` exceeds ~32k). This file holds a single test so
//! that it can size the process-wide pool before the first GEMM.

use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, OutputSpan, SpanActivation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn train(seed: u64) -> Vec<Vec<u32>> {
    let mut outputs = Vec::new();
    for k in 0..8 {
        outputs.push(OutputSpan {
            start: 6 * k,
            width: 1,
            activation: SpanActivation::Tanh,
        });
        outputs.push(OutputSpan {
            start: 6 * k + 1,
            width: 5,
            activation: SpanActivation::Softmax,
        });
    }
    let cond = vec![CondColumn {
        output_start: 1,
        cond_start: 0,
        width: 5,
    }];
    let config = GanConfig {
        threads: 2,
        ..GanConfig::ctgan(48, 5, outputs, cond)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut gan = Gan::new(config, &mut rng).unwrap();
    let batch = 200;
    for _ in 0..3 {
        let mut real = Matrix::zeros(batch, 48);
        for v in &mut real.data {
            *v = rng.random::<f32>();
        }
        let mut c = Matrix::zeros(batch, 5);
        for i in 0..batch {
            c.row_mut(i)[rng.random_range(0..5)] = 1.0;
        }
        gan.critic_step(&real, &c, &c, &mut rng).unwrap();
        gan.generator_step(&c, &vec![Some(0); batch], &mut rng)
            .unwrap();
    }
    gan.export_parameters(true)
        .iter()
        .map(|t| t.data.iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn two_gemm_threads_give_bit_identical_parameters() {
    // SAFETY: this binary has a single test and sets the variable before any
    // thread of ours starts or reads the environment.
    unsafe { std::env::set_var("MATMUL_NUM_THREADS", "2") };
    let a = train(7);
    let b = train(7);
    assert_eq!(a, b);
    assert_ne!(a, train(8));
}
