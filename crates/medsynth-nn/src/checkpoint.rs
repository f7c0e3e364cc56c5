//! Export and import of named parameter tensors (for safetensors files and
//! training checkpoints). Names are stable and documented so that a model
//! file remains loadable across versions that keep the architecture.
//!
//! Names: `generator.block{i}.{weight,bias,norm_weight,norm_bias}`,
//! `generator.out.{weight,bias}`, `critic.layer{i}.{weight,bias}`,
//! `critic.out.{weight,bias}`; Adam moments are the same names prefixed by
//! `adam_m.` / `adam_v.`, and step counters are `adam_step.generator` /
//! `adam_step.critic` (shape `[1]`).

use std::collections::HashMap;

use crate::error::NnError;
use crate::gan::{GanEngine, NamedTensor};
use crate::real::Real;

fn export_group<T: Real>(
    out: &mut Vec<NamedTensor>,
    prefix: &str,
    specs: &[(String, usize, Vec<usize>)],
    values: &[T],
) {
    for (name, off, shape) in specs {
        let n: usize = shape.iter().product();
        out.push(NamedTensor {
            name: format!("{prefix}{name}"),
            shape: shape.clone(),
            data: values[*off..off + n].iter().map(|v| v.to_f32()).collect(),
        });
    }
}

/// Copies every tensor of a group; `Ok(false)` if none of the group is present,
/// an error if the group is only partly present or a shape differs.
fn import_group<T: Real>(
    map: &mut HashMap<&str, &NamedTensor>,
    prefix: &str,
    specs: &[(String, usize, Vec<usize>)],
    values: &mut [T],
) -> Result<bool, NnError> {
    let names: Vec<String> = specs
        .iter()
        .map(|(n, _, _)| format!("{prefix}{n}"))
        .collect();
    let present = names
        .iter()
        .filter(|n| map.contains_key(n.as_str()))
        .count();
    if present == 0 {
        return Ok(false);
    }
    if present < names.len() {
        let missing: Vec<&str> = names
            .iter()
            .filter(|n| !map.contains_key(n.as_str()))
            .map(String::as_str)
            .collect();
        return Err(NnError::Checkpoint(format!(
            "missing tensors: {}",
            missing.join(", ")
        )));
    }
    // Validate everything before touching the parameters.
    for (name, (_, _, shape)) in names.iter().zip(specs) {
        let t = map[name.as_str()];
        if &t.shape != shape || t.data.len() != shape.iter().product::<usize>() {
            return Err(NnError::Checkpoint(format!(
                "tensor {name} has shape {:?} ({} values), expected {shape:?}",
                t.shape,
                t.data.len()
            )));
        }
        if let Some(i) = t.data.iter().position(|v| !v.is_finite()) {
            return Err(NnError::Checkpoint(format!(
                "tensor {name} has a non-finite value at index {i}"
            )));
        }
    }
    for (name, (_, off, _)) in names.iter().zip(specs) {
        let t = map
            .remove(name.as_str())
            .ok_or_else(|| NnError::Checkpoint(format!("duplicate {name}")))?;
        for (d, &s) in values[*off..off + t.data.len()].iter_mut().zip(&t.data) {
            *d = T::from_f32(s);
        }
    }
    Ok(true)
}

fn step_tensor(name: &str, step: u64) -> NamedTensor {
    NamedTensor {
        name: name.to_string(),
        shape: vec![1],
        data: vec![step as f32],
    }
}

impl<T: Real> GanEngine<T> {
    /// Named parameter tensors. With `include_critic_and_optimizer = false`
    /// only the generator is exported (what a shareable model file needs);
    /// with `true` also the critic and both Adam states (a resumable checkpoint).
    pub fn export_parameters(&self, include_critic_and_optimizer: bool) -> Vec<NamedTensor> {
        let gspec = self.generator.tensors();
        let mut out = Vec::new();
        export_group(&mut out, "", &gspec, &self.gen_params);
        if include_critic_and_optimizer {
            let cspec = self.critic.tensors();
            export_group(&mut out, "", &cspec, &self.critic_params);
            export_group(&mut out, "adam_m.", &gspec, &self.gen_adam.m);
            export_group(&mut out, "adam_v.", &gspec, &self.gen_adam.v);
            export_group(&mut out, "adam_m.", &cspec, &self.critic_adam.m);
            export_group(&mut out, "adam_v.", &cspec, &self.critic_adam.v);
            out.push(step_tensor("adam_step.generator", self.gen_adam.step));
            out.push(step_tensor("adam_step.critic", self.critic_adam.step));
        }
        out
    }

    /// Loads tensors produced by [`Self::export_parameters`] for the same
    /// architecture. The generator is required; the critic and the optimiser
    /// states are loaded when present (each group all-or-nothing). Unknown
    /// names, wrong shapes and non-finite values are errors, and nothing is
    /// modified unless the generator group is valid.
    pub fn import_parameters(&mut self, tensors: &[NamedTensor]) -> Result<(), NnError> {
        let mut map: HashMap<&str, &NamedTensor> = HashMap::new();
        for t in tensors {
            if map.insert(t.name.as_str(), t).is_some() {
                return Err(NnError::Checkpoint(format!(
                    "tensor {} appears twice",
                    t.name
                )));
            }
        }
        let gspec = self.generator.tensors();
        let cspec = self.critic.tensors();
        // Work on copies so that a failure leaves the engine untouched.
        let mut gen_values = self.gen_params.clone();
        if !import_group(&mut map, "", &gspec, &mut gen_values)? {
            return Err(NnError::Checkpoint("no generator tensors found".into()));
        }
        let mut critic = self.critic_params.clone();
        let has_critic = import_group(&mut map, "", &cspec, &mut critic)?;
        let mut gm = self.gen_adam.m.clone();
        let mut gv = self.gen_adam.v.clone();
        let mut cm = self.critic_adam.m.clone();
        let mut cv = self.critic_adam.v.clone();
        let has_gm = import_group(&mut map, "adam_m.", &gspec, &mut gm)?;
        let has_gv = import_group(&mut map, "adam_v.", &gspec, &mut gv)?;
        let has_cm = import_group(&mut map, "adam_m.", &cspec, &mut cm)?;
        let has_cv = import_group(&mut map, "adam_v.", &cspec, &mut cv)?;
        let mut step = |name: &str| -> Result<Option<u64>, NnError> {
            match map.remove(name) {
                None => Ok(None),
                Some(t) if t.data.len() == 1 && t.data[0].is_finite() && t.data[0] >= 0.0 => {
                    Ok(Some(t.data[0] as u64))
                }
                Some(_) => Err(NnError::Checkpoint(format!(
                    "{name} must hold one non-negative number"
                ))),
            }
        };
        let gstep = step("adam_step.generator")?;
        let cstep = step("adam_step.critic")?;
        if has_gm != has_gv
            || has_gm != gstep.is_some()
            || has_cm != has_cv
            || has_cm != cstep.is_some()
        {
            return Err(NnError::Checkpoint(
                "optimizer state is incomplete (need adam_m, adam_v and adam_step)".into(),
            ));
        }
        if let Some(name) = map.keys().next() {
            return Err(NnError::Checkpoint(format!("unknown tensor {name}")));
        }
        self.gen_params = gen_values;
        if has_critic {
            self.critic_params = critic;
        }
        if let Some(s) = gstep {
            self.gen_adam.m = gm;
            self.gen_adam.v = gv;
            self.gen_adam.step = s;
        }
        if let Some(s) = cstep {
            self.critic_adam.m = cm;
            self.critic_adam.v = cv;
            self.critic_adam.step = s;
        }
        Ok(())
    }
}
