//! What every subcommand shares: the seed, how to talk to the user (plain
//! text, JSON lines for scripts, or nothing with `--quiet`), and progress bars.

use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

/// How messages are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines on stderr, progress bars with ETA.
    Text,
    /// One JSON object per line on stderr (`{"event": ..., ...}`), no progress bars.
    Json,
}

/// Shared state for one invocation.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub seed: u64,
    pub quiet: bool,
    pub log_format: LogFormat,
}

impl Ctx {
    pub fn new(seed: u64, quiet: bool, log_format: LogFormat) -> Self {
        Ctx {
            seed,
            quiet,
            log_format,
        }
    }

    /// A progress message for people (suppressed by `--quiet`; a `message`
    /// event in JSON mode).
    pub fn info(&self, message: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        match self.log_format {
            LogFormat::Text => eprintln!("{}", message.as_ref()),
            LogFormat::Json => self.emit(json!({"event": "message", "message": message.as_ref()})),
        }
    }

    /// A warning: shown unless `--quiet`.
    pub fn warn(&self, message: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        match self.log_format {
            LogFormat::Text => eprintln!("warning: {}", message.as_ref()),
            LogFormat::Json => self.emit(json!({"event": "warning", "message": message.as_ref()})),
        }
    }

    /// A structured event for scripts (ignored in text mode, where `info`
    /// carries the same news).
    pub fn event(&self, event: &str, fields: Value) {
        if self.quiet || self.log_format != LogFormat::Json {
            return;
        }
        let mut obj = json!({"event": event});
        if let (Some(o), Value::Object(f)) = (obj.as_object_mut(), fields) {
            o.extend(f);
        }
        self.emit(obj);
    }

    /// Says where an output went, in both formats.
    pub fn wrote(&self, what: &str, path: &Path) {
        if self.quiet {
            return;
        }
        match self.log_format {
            LogFormat::Text => eprintln!("wrote {what}: {}", path.display()),
            LogFormat::Json => self.emit(json!({"event": "wrote", "what": what, "path": path})),
        }
    }

    /// An error line in the chosen format (always printed, even with `--quiet`).
    pub fn error(&self, message: &str, exit_code: u8) {
        match self.log_format {
            LogFormat::Text => eprintln!("error: {message}"),
            LogFormat::Json => {
                self.emit(json!({"event": "error", "message": message, "exit_code": exit_code}))
            }
        }
    }

    fn emit(&self, value: Value) {
        eprintln!("{value}");
    }

    /// A progress bar with ETA for `len` units of work; hidden with `--quiet`,
    /// in JSON mode, or when stderr is not a terminal.
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        if self.quiet || self.log_format == LogFormat::Json {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A byte-count progress bar for reading large files.
    pub fn byte_progress(&self, total: u64, message: &str) -> ProgressBar {
        let bar = self.progress(total, message);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    }
}
