//! The model directory: `manifest.json` (everything but weights, readable by
//! people and scripts), `model.safetensors` (numeric parameters) and, for the
//! GAN, `loss_curve.csv`.
//!
//! A model never contains rows: the manifest holds the schema, per-column
//! histograms and category counts (aggregates), the encoder's mixture
//! parameters and the configuration; the weights file holds network weights
//! or the copula's correlation matrix. The manifest records the SHA-256 of
//! the weights file, so a truncated or edited model is refused with a clear
//! error instead of producing garbage.

use std::path::Path;

use medsynth_data::{IdentifierType, Schema, Table};
use medsynth_nn::NamedTensor;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::baselines::{CopulaModel, MarginalsModel};
use crate::ctgan::train::CurvePoint;
use crate::ctgan::{CtganConfig, CtganModel};
use crate::encoder::{ColumnEncoding, Encoder};
use crate::error::{ModelError, Result};
use crate::spec::{ColumnSpec, assemble, build_column, preview};
use crate::stats::ColumnStats;
use crate::synthesizer::{Condition, ModelKind, Synthesizer};
use crate::tensors;

/// Version of the directory layout and manifest; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const WEIGHTS: &str = "model.safetensors";
pub const LOSS_CURVE: &str = "loss_curve.csv";
const FORMAT_NAME: &str = "medsynth-model";

/// One column of the sampled output, in schema order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum OutputColumn {
    /// Learnt by the model (index into `columns`).
    Modelled { name: String, index: usize },
    /// A direct identifier regenerated with fake values at sample time.
    Fake {
        name: String,
        identifier: IdentifierType,
    },
}

/// Provenance of the training data (no rows, only a fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// File name (without directories) of the training table, when known.
    pub file_name: Option<String>,
    /// SHA-256 of the training file's bytes, hex.
    pub sha256: Option<String>,
    pub rows: usize,
}

/// Wall-clock times (excluded when comparing models for reproducibility).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub fit_seconds: f64,
    pub seconds_per_step: Option<f64>,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub medsynth_version: String,
    pub model: ModelKind,
    pub seed: u64,
    /// The schema the model was fitted with (all columns, including dropped ones).
    pub schema: Schema,
    pub columns: Vec<ColumnSpec>,
    pub output_columns: Vec<OutputColumn>,
    /// Columns neither modelled nor regenerated (identifiers with another action, text).
    pub dropped_columns: Vec<String>,
    /// Aggregate statistics per modelled column (histograms, category counts).
    pub statistics: Vec<ColumnStats>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder: Option<Vec<ColumnEncoding>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctgan: Option<CtganConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_step: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_score: Option<f64>,
    pub training: TrainingInfo,
    pub timings: Timings,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_curve: Option<String>,
    pub weights: String,
    pub weights_sha256: String,
    /// Set when the model was trained across sites (`medsynth federate`):
    /// sites, rows per site, rounds, strategy. Absent for ordinary fits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated: Option<crate::ctgan::local::FederatedInfo>,
    /// Set when the model was fitted under differential privacy: total ε
    /// and δ, the budget split and the ledger of every release (absent
    /// for ordinary fits, so older manifests still load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<crate::dp::PrivacySection>,
}

/// A fitted model: manifest plus the live synthesizer.
pub struct Model {
    pub manifest: Manifest,
    body: Box<dyn Synthesizer>,
    weights: Vec<NamedTensor>,
    pub curve: Vec<CurvePoint>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("manifest", &self.manifest)
            .finish()
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| ModelError::io(path, e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| ModelError::io(path, e))?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

impl Model {
    /// Assembles a model from its parts (used by `fit` and `load`).
    pub(crate) fn from_parts(
        mut manifest: Manifest,
        weights: Vec<NamedTensor>,
        curve: Vec<CurvePoint>,
    ) -> Result<Self> {
        let body = build_body(&manifest, &weights)?;
        let bytes = tensors::to_bytes(&weights)?;
        manifest.weights_sha256 = sha256_hex(&bytes);
        Ok(Model {
            manifest,
            body,
            weights,
            curve,
        })
    }

    pub fn kind(&self) -> ModelKind {
        self.manifest.model
    }

    /// Writes the model directory (created if needed). Files are written
    /// atomically; the manifest last, so a directory with a manifest is complete.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
        let bytes = tensors::to_bytes(&self.weights)?;
        medsynth_data::io::write_atomically(&dir.join(WEIGHTS), |w| w.write_all(&bytes))?;
        if let Some(name) = &self.manifest.loss_curve {
            let mut csv = String::from(
                "step,critic_loss,wasserstein,penalty,generator_loss,cond_loss,score\n",
            );
            for p in &self.curve {
                csv.push_str(&format!(
                    "{},{},{},{},{},{},{}\n",
                    p.step,
                    p.critic_loss,
                    p.wasserstein,
                    p.penalty,
                    p.generator_loss,
                    p.cond_loss,
                    p.score.map(|s| format!("{s:.6}")).unwrap_or_default()
                ));
            }
            medsynth_data::io::write_atomically(&dir.join(name), |w| w.write_all(csv.as_bytes()))?;
        }
        let json = serde_json::to_vec_pretty(&self.manifest)
            .map_err(|e| ModelError::input(format!("cannot serialise the manifest: {e}")))?;
        medsynth_data::io::write_atomically(&dir.join(MANIFEST), |w| w.write_all(&json))?;
        Ok(())
    }

    /// Reads and checks a model directory.
    pub fn load(dir: &Path) -> Result<Model> {
        let mpath = dir.join(MANIFEST);
        if !dir.is_dir() {
            return Err(ModelError::corrupt(
                dir,
                "is not a model directory (expected a directory written by `medsynth fit`)",
            ));
        }
        let text = std::fs::read(&mpath).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ModelError::corrupt(
                dir,
                format!("{MANIFEST} is missing: not a medsynth model directory"),
            ),
            _ => ModelError::io(&mpath, e),
        })?;
        let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
            ModelError::corrupt(
                &mpath,
                format!("manifest is not valid JSON (truncated or edited?): {e}"),
            )
        })?;
        if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT_NAME) {
            return Err(ModelError::corrupt(
                &mpath,
                "not a medsynth model manifest (field \"format\" is missing or wrong)",
            ));
        }
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if version != FORMAT_VERSION as u64 {
            return Err(ModelError::IncompatibleVersion {
                path: dir.to_path_buf(),
                found: version.min(u32::MAX as u64) as u32,
                supported: FORMAT_VERSION,
            });
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
            ModelError::corrupt(
                &mpath,
                format!("manifest does not match format {FORMAT_VERSION}: {e}"),
            )
        })?;
        let wpath = dir.join(&manifest.weights);
        let bytes = std::fs::read(&wpath).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ModelError::corrupt(&wpath, "weights file is missing"),
            _ => ModelError::io(&wpath, e),
        })?;
        if sha256_hex(&bytes) != manifest.weights_sha256 {
            return Err(ModelError::corrupt(
                &wpath,
                "weights file does not match the manifest's checksum (truncated or corrupted)",
            ));
        }
        let weights = tensors::from_bytes(&bytes, &wpath)?;
        let expected = manifest.weights_sha256.clone();
        let model = Model::from_parts(manifest, weights, Vec::new()).map_err(|e| {
            ModelError::corrupt(dir, format!("model parameters are inconsistent: {e}"))
        })?;
        debug_assert_eq!(model.manifest.weights_sha256, expected);
        Ok(model)
    }

    /// Resolves `COLUMN=VALUE` clauses against the model's columns and labels.
    pub fn resolve_conditions(&self, clauses: &[(String, String)]) -> Result<Vec<Condition>> {
        let m = &self.manifest;
        let mut out: Vec<Condition> = Vec::new();
        for (name, value) in clauses {
            let Some(index) = m.columns.iter().position(|c| &c.name == name) else {
                let names: Vec<String> = m
                    .columns
                    .iter()
                    .filter(|c| c.is_discrete())
                    .map(|c| c.name.clone())
                    .collect();
                return Err(ModelError::request(format!(
                    "--where: unknown column '{name}'; columns you can condition on: {}",
                    preview(&names)
                )));
            };
            let labels = m.statistics[index].labels();
            if !m.columns[index].is_discrete() {
                return Err(ModelError::request(format!(
                    "--where: column '{name}' is numeric; conditions work on categorical and boolean columns ({})",
                    preview(
                        &m.columns
                            .iter()
                            .filter(|c| c.is_discrete())
                            .map(|c| c.name.clone())
                            .collect::<Vec<_>>()
                    )
                )));
            }
            let Some(category) = labels.iter().position(|l| l == value) else {
                return Err(ModelError::request(format!(
                    "--where: '{value}' is not a value of column '{name}'; valid values: {}",
                    preview(labels)
                )));
            };
            if out.iter().any(|c| c.column == index) {
                return Err(ModelError::request(format!(
                    "--where: column '{name}' is given twice"
                )));
            }
            out.push(Condition {
                column: index,
                category: category as u32,
            });
        }
        Ok(out)
    }

    /// Draws `n` rows as a table in the training file's column order and types.
    pub fn sample(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Result<Table> {
        let raw = self.body.sample_raw(n, conditions, rng)?;
        let m = &self.manifest;
        let mut raw: Vec<Option<crate::spec::RawColumn>> = raw.into_iter().map(Some).collect();
        let mut columns = Vec::with_capacity(m.output_columns.len());
        for oc in &m.output_columns {
            match oc {
                OutputColumn::Modelled { index, .. } => {
                    let r = raw.get_mut(*index).and_then(Option::take).ok_or_else(|| {
                        ModelError::corrupt(
                            Path::new(MANIFEST),
                            format!("output column {index} does not exist"),
                        )
                    })?;
                    let stats = &m.statistics[*index];
                    columns.push(build_column(
                        &m.columns[*index],
                        r,
                        stats.labels(),
                        stats.bounds(),
                    ));
                }
                OutputColumn::Fake { name, identifier } => {
                    columns.push(medsynth_data::fake::fake_column(name, *identifier, n, rng));
                }
            }
        }
        assemble(columns)
    }

    /// Samples `n` rows in batches of `batch` rows, handing each batch to
    /// `sink` (e.g. a streaming file writer): memory stays bounded by one batch.
    pub fn sample_batches(
        &self,
        n: usize,
        conditions: &[Condition],
        seed: u64,
        batch: usize,
        sink: &mut dyn FnMut(Table) -> Result<()>,
    ) -> Result<()> {
        if n == 0 {
            return Err(ModelError::request("--rows must be at least 1"));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let batch = batch.max(1);
        // The next batch is generated on a second thread while `sink` writes
        // the current one: writing is single-threaded and would otherwise
        // leave a core idle (diabetes130, 1M rows to CSV: 10.9 s → see
        // docs/model.md). One batch in flight bounds memory; the batches and
        // the RNG sequence are those of a plain loop, so output is identical.
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Table>>(1);
            let producer = scope.spawn(move || {
                let mut done = 0;
                while done < n {
                    let m = batch.min(n - done);
                    let t = self.sample(m, conditions, &mut rng);
                    let failed = t.is_err();
                    if tx.send(t).is_err() || failed {
                        return;
                    }
                    done += m;
                }
            });
            let mut result = Ok(());
            for t in rx.iter() {
                if let Err(e) = t.and_then(&mut *sink) {
                    result = Err(e);
                    break;
                }
            }
            // Dropping the receiver (end of this scope's borrow) stops the
            // producer at its next send.
            drop(rx);
            if producer.join().is_err() {
                return Err(ModelError::input("a sampling thread panicked"));
            }
            result
        })
    }
}

/// Rebuilds the synthesizer named by the manifest from its weights.
fn build_body(m: &Manifest, weights: &[NamedTensor]) -> Result<Box<dyn Synthesizer>> {
    if m.columns.len() != m.statistics.len() {
        return Err(ModelError::input(
            "manifest lists a different number of columns and statistics",
        ));
    }
    Ok(match m.model {
        ModelKind::Marginals => Box::new(MarginalsModel::new(&m.statistics)),
        ModelKind::Copula => {
            let d = m.statistics.len();
            let corr = weights
                .iter()
                .find(|t| t.name == "copula.correlation")
                .ok_or_else(|| ModelError::input("weights lack tensor copula.correlation"))?;
            let c: Vec<f64> = corr.data.iter().map(|&v| v as f64).collect();
            CopulaModel::check_correlation(&c, d)?;
            Box::new(CopulaModel::from_parts(&m.statistics, c))
        }
        ModelKind::Ctgan => {
            let cols = m
                .encoder
                .clone()
                .ok_or_else(|| ModelError::input("manifest lacks the encoder"))?;
            let cfg = m
                .ctgan
                .clone()
                .ok_or_else(|| ModelError::input("manifest lacks the ctgan configuration"))?;
            if cols.len() != m.statistics.len() {
                return Err(ModelError::input(
                    "encoder and statistics disagree on the number of columns",
                ));
            }
            let encoder = Encoder::from_columns(cols);
            Box::new(CtganModel::new(encoder, cfg, &m.statistics, weights)?)
        }
    })
}
