//! Times the accountant on typical and worst-case inputs:
//! `cargo run --release -p medsynth-privacy --example accountant_timing`.

use std::time::Instant;

use medsynth_privacy::accountant::{calibrate_noise_multiplier, dp_sgd_epsilon, max_steps};

fn time<T: std::fmt::Debug>(label: &str, reps: u32, f: impl Fn() -> T) {
    let start = Instant::now();
    let mut out = None;
    for _ in 0..reps {
        out = Some(f());
    }
    let per = start.elapsed().as_secs_f64() / f64::from(reps);
    println!("{label:<55} {:>10.3} ms  -> {:?}", per * 1e3, out.unwrap());
}

fn main() {
    time("epsilon q=0.01 σ=1.0 steps=1000 δ=1e-5", 20, || {
        dp_sgd_epsilon(0.01, 1.0, 1000, 1e-5).unwrap()
    });
    time(
        "epsilon q=0.1 σ=0.5 steps=1000 (non-convergent orders)",
        5,
        || dp_sgd_epsilon(0.1, 0.5, 1000, 1e-5).unwrap(),
    );
    time("calibrate ε=3 δ=1e-5 steps=1000 q=0.01", 3, || {
        calibrate_noise_multiplier(3.0, 1e-5, 1000, 0.01).unwrap()
    });
    time("calibrate ε=8 δ=1e-6 steps=10000 q=0.3", 3, || {
        calibrate_noise_multiplier(8.0, 1e-6, 10_000, 0.3).unwrap()
    });
    time("max_steps ε=3 δ=1e-5 σ=1.0 q=0.01", 3, || {
        max_steps(3.0, 1e-5, 1.0, 0.01).unwrap()
    });
}
