//! The one place where a core `TraceError` becomes a JavaScript `Error`.
//!
//! Same shape as the napi binding: `err.code` (`"INVALID_ROW"`, …), `err.reason`,
//! `err.file`, `err.line`, `err.field` (each `null` when absent), `err.message`.

use js_sys::{Error, Reflect};
use trace_core::TraceError;
use wasm_bindgen::JsValue;

fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from_str)
}

/// Build the JS error object for `err`.
pub fn to_js(err: TraceError) -> JsValue {
    let js = Error::new(&err.message);
    let props: [(&str, JsValue); 5] = [
        ("code", JsValue::from_str(err.code.as_str())),
        ("reason", opt_str(err.reason.map(|r| r.as_str()))),
        ("file", opt_str(err.file.as_deref())),
        // Line numbers fit a double exactly up to 2^53; files are far shorter.
        ("line", err.line.map_or(JsValue::NULL, |l| JsValue::from_f64(l as f64))),
        ("field", opt_str(err.field.as_deref())),
    ];
    for (key, value) in props {
        // Setting a data property on a fresh Error object cannot fail.
        let _ = Reflect::set(&js, &JsValue::from_str(key), &value);
    }
    js.into()
}

/// Map a core result, converting its error once.
pub fn map<T>(result: Result<T, TraceError>) -> Result<T, JsValue> {
    result.map_err(to_js)
}
