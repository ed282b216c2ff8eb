//! Small JSON text helpers shared by error messages and report writers.

/// Appends `s` as a JSON string literal (quotes included). `"` and `\` are escaped, control
/// characters use the short escapes or `\u00XX`; other characters (non-ASCII included) are
/// written as they are, so the output is valid UTF-8 JSON.
pub fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let esc: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0..=0x1f | 0x7f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", b)),
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Returns `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_json_string(&mut out, s);
    out
}

/// Maximum number of characters of an offending value shown in a message (§4.1).
pub const VALUE_DISPLAY_CHARS: usize = 60;

/// Cuts `s` to at most [`VALUE_DISPLAY_CHARS`] characters; a cut text ends in `...`
/// (57 characters of the value plus the three dots).
pub fn truncate_chars(s: &str) -> String {
    if s.chars().count() <= VALUE_DISPLAY_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(VALUE_DISPLAY_CHARS - 3).collect();
    out.push_str("...");
    out
}
