//! The one place where a core `TraceError` becomes a JavaScript `Error`.
//!
//! JS sees `err.code` (`"INVALID_ROW"`, …), `err.reason`, `err.file`, `err.line`,
//! `err.field` (each `null` when absent) and `err.message` = `TraceError::message`.

use napi::bindgen_prelude::*;
use trace_core::TraceError;

/// Build the JS error object for `err`; if the engine cannot even allocate it, fall back to
/// a plain error that still carries the code.
pub fn to_js(env: &Env, err: TraceError) -> Error {
    match build(env, &err) {
        Ok(js) => js,
        Err(_) => Error::new(Status::GenericFailure, format!("{}: {}", err.code.as_str(), err.message)),
    }
}

fn build(env: &Env, err: &TraceError) -> Result<Error> {
    let mut obj = env.create_error(Error::new(Status::GenericFailure, err.message.clone()))?;
    obj.set_named_property("code", err.code.as_str())?;
    obj.set_named_property("reason", err.reason.map(|r| r.as_str()))?;
    obj.set_named_property("file", err.file.as_deref())?;
    // Line numbers fit a double exactly up to 2^53; files are far shorter.
    obj.set_named_property("line", err.line.map(|l| l as f64))?;
    obj.set_named_property("field", err.field.as_deref())?;
    Ok(Error::from(obj.to_unknown()))
}

/// Map a core result, converting its error once.
pub fn map<T>(env: &Env, result: std::result::Result<T, TraceError>) -> Result<T> {
    result.map_err(|e| to_js(env, e))
}
