//! Steps must not allocate per row or per layer call: after the first step at
//! a batch size, the only allocations left are `matrixmultiply`'s packing
//! buffers (one per GEMM call), so the count per step is small, constant, and
//! independent of the batch size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, OutputSpan, SpanActivation};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_per_step(batch: usize) -> usize {
    let outputs = vec![
        OutputSpan {
            start: 0,
            width: 1,
            activation: SpanActivation::Tanh,
        },
        OutputSpan {
            start: 1,
            width: 4,
            activation: SpanActivation::Softmax,
        },
    ];
    let cond = vec![CondColumn {
        output_start: 1,
        cond_start: 0,
        width: 4,
    }];
    let config = GanConfig {
        noise_dim: 8,
        generator_hidden: vec![16, 16],
        critic_hidden: vec![16, 16],
        ..GanConfig::ctgan(5, 4, outputs, cond)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut gan = Gan::new(config, &mut rng).unwrap();
    let real = Matrix::zeros(batch, 5);
    let mut c = Matrix::zeros(batch, 4);
    for i in 0..batch {
        c.row_mut(i)[i % 4] = 1.0;
    }
    let selected = vec![Some(0); batch];
    let step = |gan: &mut Gan, rng: &mut ChaCha8Rng| {
        gan.critic_step(&real, &c, &c, rng).unwrap();
        gan.generator_step(&c, &selected, rng).unwrap();
    };
    step(&mut gan, &mut rng); // sizes the workspaces
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..5 {
        step(&mut gan, &mut rng);
    }
    (ALLOCS.load(Ordering::Relaxed) - before) / 5
}

#[test]
fn steps_allocate_only_gemm_packing_buffers() {
    let small = allocations_per_step(20);
    let large = allocations_per_step(400);
    // ~30 GEMM calls per critic + generator step; per-row allocation would be ≥ 400.
    assert!(small <= 40, "{small} allocations per step");
    assert_eq!(
        small, large,
        "allocation count must not depend on the batch size"
    );
}
