//! The two JSON texts a replay dataset hands to JavaScript: the summary of the whole dataset
//! and one turn's content (`turnJson`), each built in one go so the boundary is crossed once.

use crate::json_text::{json_string, write_json_string};
use crate::skips::SkipSummary;
use crate::synthesis::TransformReport;

use super::loader::Facts;
use super::options::DatasetType;
use super::reader::TurnKind;
use super::store::{Store, TurnRecord};
use super::text_rows::decode_text;

/// Everything `summaryJson` reports.
pub(crate) struct Summary<'a> {
    pub dataset_type: DatasetType,
    pub rows: u64,
    pub turns: u64,
    pub sessions: u64,
    pub skipped: &'a SkipSummary,
    pub window_dropped: u64,
    pub facts: &'a Facts,
    pub scope: u64,
    pub report: Option<&'a TransformReport>,
}

impl Summary<'_> {
    /// `{"dataset_type","rows","turns","sessions","skipped_invalid_rows","window_dropped",
    /// "first_row_has_timestamp","first_turns_timestamped","sorted_by_first_timestamp",
    /// "requested_isl_rows","scope","synthesis_report"}`; the scope is decimal text (a u64).
    pub(crate) fn to_json(&self) -> String {
        let f = self.facts;
        let report = self.report.map_or_else(|| "null".to_string(), TransformReport::to_json);
        format!(
            "{{\"dataset_type\":\"{}\",\"rows\":{},\"turns\":{},\"sessions\":{},\"skipped_invalid_rows\":{},\"window_dropped\":{},\"first_row_has_timestamp\":{},\"first_turns_timestamped\":{},\"sorted_by_first_timestamp\":{},\"requested_isl_rows\":{},\"scope\":\"{}\",\"synthesis_report\":{}}}",
            self.dataset_type.as_str(),
            self.rows,
            self.turns,
            self.sessions,
            self.skipped.total(),
            self.window_dropped,
            f.first_row_has_timestamp.unwrap_or(false),
            // "has timestamps" needs at least one session to have one
            f.first_turns_timestamped && self.sessions > 0,
            f.sorted_by_first_timestamp,
            f.requested_isl_rows,
            self.scope,
            report
        )
    }
}

fn push_opt_u32(out: &mut String, key: &str, v: Option<u32>) {
    out.push_str(key);
    match v {
        Some(v) => out.push_str(&v.to_string()),
        None => out.push_str("null"),
    }
}

fn push_raw(out: &mut String, key: &str, raw: Option<&[u8]>) {
    out.push_str(key);
    // stored spans are valid JSON from a valid UTF-8 line
    out.push_str(raw.map_or("null", |r| std::str::from_utf8(r).unwrap_or("null")));
}

fn push_text(out: &mut String, key: &str, raw: Option<&[u8]>) {
    out.push_str(key);
    match raw {
        Some(r) => write_json_string(out, &decode_text(r)),
        None => out.push_str("null"),
    }
}

/// `turnJson`: `{"line","session_id","input_length","output_length","text","messages","tools",
/// "payload","extra","system"}`, `null` when absent. `session` is the first turn of `rec`'s
/// session (it carries the session's name and system message). Texts are decoded (`texts`
/// joined with `"\n"`); messages, tools, payload and extra are the row's JSON as written.
pub(crate) fn turn_json(store: &Store, rec: &TurnRecord, session: &TurnRecord) -> String {
    let arena = store.arena();
    let span = |r: &Option<std::ops::Range<usize>>| r.clone().map(|r| &arena[r]);
    let primary = span(&rec.primary);
    let only = |kind: TurnKind| if rec.kind == kind { primary } else { None };
    let mut out = String::with_capacity(128 + primary.map_or(0, <[u8]>::len));
    out.push_str(&format!("{{\"line\":{}", rec.line));
    out.push_str(",\"session_id\":");
    match span(&session.session_name) {
        Some(name) => out.push_str(&json_string(&String::from_utf8_lossy(name))),
        None => out.push_str("null"),
    }
    push_opt_u32(&mut out, ",\"input_length\":", rec.input_length);
    push_opt_u32(&mut out, ",\"output_length\":", rec.output_length);
    push_text(&mut out, ",\"text\":", only(TurnKind::Text).or(only(TurnKind::TextInput)));
    push_raw(&mut out, ",\"messages\":", only(TurnKind::Messages));
    push_raw(&mut out, ",\"tools\":", span(&rec.tools));
    push_raw(&mut out, ",\"payload\":", only(TurnKind::Payload));
    push_raw(&mut out, ",\"extra\":", span(&rec.extra));
    push_text(&mut out, ",\"system\":", span(&session.system));
    out.push('}');
    out
}
