//! Named f32 tensors to and from safetensors bytes. Safetensors was chosen
//! because it cannot execute code on load (unlike pickles), is readable from
//! Python (`safetensors.numpy.load_file`), and is what the ML world uses.

use std::path::Path;

use medsynth_nn::NamedTensor;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::error::{ModelError, Result};

/// Serialises tensors (little-endian f32). Output bytes depend only on the
/// tensors, so equal weights give byte-identical files.
pub fn to_bytes(tensors: &[NamedTensor]) -> Result<Vec<u8>> {
    let raw: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.data.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::with_capacity(tensors.len());
    for (t, bytes) in tensors.iter().zip(&raw) {
        let view = TensorView::new(Dtype::F32, t.shape.clone(), bytes)
            .map_err(|e| ModelError::input(format!("tensor {}: {e}", t.name)))?;
        views.push((t.name.clone(), view));
    }
    safetensors::serialize(views, None)
        .map_err(|e| ModelError::input(format!("cannot serialise weights: {e}")))
}

/// Parses safetensors bytes; `path` names the file in errors.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Vec<NamedTensor>> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        ModelError::corrupt(path, format!("weights file is not valid safetensors ({e})"))
    })?;
    let mut out = Vec::new();
    let mut names = st.names();
    names.sort();
    for name in names {
        let view = st
            .tensor(name)
            .map_err(|e| ModelError::corrupt(path, format!("tensor {name}: {e}")))?;
        if view.dtype() != Dtype::F32 {
            return Err(ModelError::corrupt(
                path,
                format!("tensor {name} has dtype {:?}, expected F32", view.dtype()),
            ));
        }
        let data: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        out.push(NamedTensor {
            name: name.to_string(),
            shape: view.shape().to_vec(),
            data,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_corruption() {
        let t = vec![
            NamedTensor {
                name: "b".into(),
                shape: vec![2],
                data: vec![1.5, -2.0],
            },
            NamedTensor {
                name: "a".into(),
                shape: vec![1, 1],
                data: vec![3.0],
            },
        ];
        let bytes = to_bytes(&t).unwrap();
        assert_eq!(bytes, to_bytes(&t).unwrap());
        let back = from_bytes(&bytes, Path::new("m")).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].name, "a");
        assert_eq!(back[1].data, vec![1.5, -2.0]);
        assert!(from_bytes(&bytes[..bytes.len() - 3], Path::new("m")).is_err());
    }
}
