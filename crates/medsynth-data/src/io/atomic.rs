//! Atomic file output: every file medsynth writes first goes to a temporary
//! file in the destination directory and is renamed into place only once it
//! is complete. A crash, a full disk or an error half-way therefore never
//! leaves a truncated `synthetic.csv` that a downstream script would happily
//! read as if it were whole. The rename stays on one file system because the
//! temporary file lives next to the target.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};

/// A file being written; it only appears at its final path after
/// [`AtomicFile::commit`]. Dropping it uncommitted removes the temporary file.
pub struct AtomicFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Creates the temporary file next to `path`.
    pub fn create(path: &Path) -> Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| DataError::io(path, e))?;
        Ok(AtomicFile {
            target: path.to_path_buf(),
            temp,
        })
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.temp.as_file_mut()
    }

    /// A second handle on the temporary file (for writers that take
    /// ownership of their sink, such as the Parquet writer).
    pub fn try_clone_file(&self) -> Result<std::fs::File> {
        self.temp
            .as_file()
            .try_clone()
            .map_err(|e| DataError::io(&self.target, e))
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the data to disk and renames the file into place.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        self.temp
            .as_file()
            .sync_all()
            .map_err(|e| DataError::io(&target, e))?;
        self.temp
            .persist(&target)
            .map_err(|e| DataError::io(&target, e.error))?;
        Ok(())
    }
}

/// Writes `path` atomically: `body` writes into a buffered temporary file,
/// which is renamed to `path` only if `body` succeeds. Used for JSON and HTML
/// outputs by the other crates.
pub fn write_atomically<F>(path: &Path, body: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = BufWriter::new(file.file());
        body(&mut w).map_err(|e| DataError::io(path, e))?;
        w.flush().map_err(|e| DataError::io(path, e))?;
    }
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn success_renames_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomically(&p, |w| w.write_all(b"{}")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
        assert_eq!(entries(dir.path()), vec!["out.json".to_string()]);
    }

    #[test]
    fn failure_leaves_nothing_and_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        std::fs::write(&p, b"old").unwrap();
        let err = write_atomically(&p, |w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(entries(dir.path()), vec!["out.json".to_string()]);
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_path() {
        let err =
            write_atomically(Path::new("/nonexistent-dir-xyz/out.json"), |_| Ok(())).unwrap_err();
        assert!(err.to_string().contains("out.json"), "{err}");
    }
}
