//! Writes the tables behind `fixtures/reference_eval.json` into a directory,
//! for `scripts/reference_eval.py` (see its header for the commands):
//! `<dir>/<dataset>/{train,holdout,synth_<variant>}.csv`.

#[path = "../tests/common/reference_inputs.rs"]
mod reference_inputs;

use medsynth_data::io;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: make_eval_inputs OUTPUT_DIR")?;
    for d in reference_inputs::datasets() {
        let inputs = reference_inputs::build(&d);
        let out = std::path::Path::new(&dir).join(d.name);
        std::fs::create_dir_all(&out)?;
        io::write_table(&inputs.train, &out.join("train.csv"))?;
        io::write_table(&inputs.holdout, &out.join("holdout.csv"))?;
        for (name, t) in &inputs.synthetic {
            io::write_table(t, &out.join(format!("synth_{name}.csv")))?;
        }
        println!(
            "{}: {} train, {} holdout rows -> {}",
            d.name,
            inputs.train.n_rows(),
            inputs.holdout.n_rows(),
            out.display()
        );
    }
    Ok(())
}
