//! Maps errors to exit codes: 2 when the user can fix the cause (bad input,
//! bad flags), 1 when medsynth or the machine failed. Scripts rely on this.

use std::process::ExitCode;

use crate::ctx::Ctx;

/// An error in how medsynth was called (conflicting flags, a value out of
/// range) that clap cannot check by itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Shorthand for returning a [`UsageError`].
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(anyhow::Error::new($crate::exit::UsageError(format!($($arg)*))))
    };
}
pub(crate) use usage;

/// True when any error in the chain is one the user caused.
pub fn is_user_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        if e.is::<UsageError>() {
            return true;
        }
        if let Some(d) = e.downcast_ref::<medsynth_data::DataError>() {
            return d.is_user_error();
        }
        // [user-errors] one line per library error type with `is_user_error`.
        if let Some(d) = e.downcast_ref::<medsynth_eval::EvalError>() {
            return d.is_user_error();
        }
        if let Some(m) = e.downcast_ref::<medsynth_model::ModelError>() {
            return m.is_user_error();
        }
        if let Some(f) = e.downcast_ref::<medsynth_federated::FederatedError>() {
            return f.is_user_error();
        }
        if let Some(a) = e.downcast_ref::<medsynth_audit::AuditError>() {
            return a.is_user_error();
        }
        false
    })
}

/// Prints the error (with its causes) and turns the result into an exit code.
pub fn report(ctx: &Ctx, result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = if is_user_error(&err) { 2 } else { 1 };
            let mut message = err.to_string();
            for cause in err.chain().skip(1) {
                let c = cause.to_string();
                if !message.contains(&c) {
                    message.push_str(": ");
                    message.push_str(&c);
                }
            }
            ctx.error(&message, code);
            ExitCode::from(code)
        }
    }
}
