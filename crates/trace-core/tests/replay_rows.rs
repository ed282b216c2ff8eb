//! ReplayDataset rows (docs/cli.md §3.3, docs/trace-format.md §4, §6, §7): the single_turn and
//! multi_turn formats and every reason they add, type inference, strict and lenient modes, the
//! window, fixed-schedule timestamps, overshoot rows, sessions and the turn JSON.

mod replay_support;

use replay_support::{field, load, load_chunked, opts, turns_json};
use trace_core::replay::{DatasetType, ReplayDataset, ReplayOptions};
use trace_core::{ErrorCode, Reason};

fn typed(t: DatasetType) -> ReplayOptions {
    ReplayOptions { dataset_type: Some(t), ..opts() }
}

fn lenient() -> ReplayOptions {
    ReplayOptions { skip_invalid: true, ..opts() }
}

#[test]
fn single_turn_rows_keep_their_fields_and_join_texts_with_newlines() {
    let file = concat!(
        r#"{"text": "héllo \"x\"", "output_length": "12", "timestamp": 5.5, "extra": {"temperature": 0}, "session_id": 7}"#,
        "\n\n",
        r#"{"texts": ["a", "b\nc", ""], "delay": 100, "unknown": [1, {"k": null}]}"#,
        "\n",
        r#"{"text": null, "texts": ["only"]}"#,
    );
    let d = load(file, opts()).unwrap();
    assert_eq!(d.dataset_type(), DatasetType::SingleTurn);
    assert_eq!((d.rows(), d.turns(), d.sessions()), (3, 3, 3));
    assert_eq!(
        turns_json(&d),
        [
            r#"{"line":1,"session_id":"7","input_length":null,"output_length":12,"text":"héllo \"x\"","messages":null,"tools":null,"payload":null,"extra":{"temperature": 0},"system":null}"#,
            r#"{"line":3,"session_id":null,"input_length":null,"output_length":null,"text":"a\nb\nc\n","messages":null,"tools":null,"payload":null,"extra":null,"system":null}"#,
            r#"{"line":4,"session_id":null,"input_length":null,"output_length":null,"text":"only","messages":null,"tools":null,"payload":null,"extra":null,"system":null}"#,
        ]
    );
    let ts = d.timestamps().unwrap();
    assert_eq!(ts[0], 5.5);
    assert!(ts[1].is_nan() && ts[2].is_nan());
    assert_eq!(d.delays().unwrap()[1], 100.0);
    assert!(d.prompt_text(0.0).is_err(), "setTables comes first");
}

#[test]
fn multi_turn_rows_are_sessions_with_a_leading_system_message() {
    let file = concat!(
        r#"{"session_id": "a", "turns": [{"role": "system", "texts": ["be", "brief"]}, {"text": "q1", "timestamp": 0}, {"text": "q2", "delay": 50, "role": "user", "output_length": 9}]}"#,
        "\n",
        r#"{"turns": [{"text": "solo"}]}"#,
        "\n",
        r#"{"session_id": "a", "turns": [{"text": "q3"}]}"#,
    );
    let d = load(file, opts()).unwrap();
    assert_eq!(d.dataset_type(), DatasetType::MultiTurn);
    assert_eq!((d.rows(), d.turns(), d.sessions()), (3, 4, 2));
    assert_eq!(d.session_start().unwrap(), [0, 3, 4]);
    let turns = turns_json(&d);
    assert_eq!(
        turns[1],
        r#"{"line":1,"session_id":"a","input_length":null,"output_length":9,"text":"q2","messages":null,"tools":null,"payload":null,"extra":null,"system":"be\nbrief"}"#
    );
    // the session's third turn comes from line 3 and still carries the system message
    assert_eq!((field(&turns[2], "line"), field(&turns[2], "text"), field(&turns[2], "system")), ("3", "\"q3\"", "\"be\\nbrief\""));
    assert_eq!((field(&turns[3], "session_id"), field(&turns[3], "system")), ("null", "null"));
    assert_eq!(d.delays().unwrap()[1], 50.0);
}

/// Every reason a single_turn or multi_turn row can have, with its FIELD and text.
#[test]
fn every_new_reason_names_its_field() {
    use DatasetType::{MultiTurn as M, SingleTurn as S};
    use Reason::*;
    let cases: &[(DatasetType, &str, Reason, &str, &str)] = &[
        (S, r#"{"text": 5}"#, BadType, "text", "expected a string, got 5"),
        (S, r#"{"texts": []}"#, EmptyPayload, "texts", "must not be empty"),
        (S, r#"{"texts": ["a", 3]}"#, BadType, "texts[1]", "expected a string, got 3"),
        (S, r#"{"texts": "a"}"#, BadType, "texts", r#"expected a non-empty array of strings, got "a""#),
        (S, r#"{"text": "a", "texts": ["b"]}"#, ConflictingInputs, "row", "text and texts are mutually exclusive"),
        (S, r#"{"output_length": 5}"#, MissingInput, "row", "missing (a row needs one of text, texts)"),
        (S, r#"{"text": "a", "text": "b"}"#, DuplicateField, "text", r#"key "text" appears more than once"#),
        (S, r#"{"text": "a", "x": 1, "x": 2}"#, DuplicateField, "x", r#"key "x" appears more than once"#),
        (S, r#"{"text": "a", "output_length": -1}"#, OutOfRange, "output_length", "must be >= 0, got -1"),
        (S, r#"{"text": "a", "output_length": 1.5}"#, BadType, "output_length", "expected a non-negative integer, got 1.5"),
        (S, r#"{"text": "a", "timestamp": "soon"}"#, BadType, "timestamp", r#"expected a non-negative number, got "soon""#),
        (S, r#"{"text": "a", "delay": 1e400}"#, OutOfRange, "delay", "must be finite, got 1e400"),
        (S, r#"{"text": "a", "extra": []}"#, BadType, "extra", "expected an object, got []"),
        (S, r#"{"text": "a", "session_id": 1.5}"#, BadType, "session_id", "expected a string or an integer, got 1.5"),
        (S, r#"{"text": "a",}"#, InvalidJson, "json", "invalid JSON: expected a string key at column 14"),
        (S, r#"{"text": 5, "texts": ["b"] x}"#, InvalidJson, "json", "invalid JSON: expected ',' or '}' at column 28"),
        (S, "[1]", NotAnObject, "row", "row must be a JSON object, got array"),
        (M, r#"{"session_id": "s"}"#, MissingInput, "row", "missing (a row needs turns)"),
        (M, r#"{"turns": null}"#, MissingInput, "row", "missing (a row needs turns)"),
        (M, r#"{"turns": []}"#, EmptyPayload, "turns", "must not be empty"),
        (M, r#"{"turns": {}}"#, BadType, "turns", "expected a non-empty array of turn objects, got {}"),
        (M, r#"{"turns": [1]}"#, BadType, "turns[0]", "expected a turn object, got 1"),
        (M, r#"{"turns": [{"text": "a"}, {"output_length": 1}]}"#, MissingInput, "turns[1]", "missing (a turn needs one of text, texts)"),
        (M, r#"{"turns": [{"text": "a", "texts": ["b"]}]}"#, ConflictingInputs, "turns[0]", "text and texts are mutually exclusive"),
        (M, r#"{"turns": [{"text": "a", "text": "b"}]}"#, DuplicateField, "turns[0].text", r#"key "text" appears more than once"#),
        (M, r#"{"turns": [{"text": 1}]}"#, BadType, "turns[0].text", "expected a string, got 1"),
        (M, r#"{"turns": [{"texts": ["a", null]}]}"#, BadType, "turns[0].texts[1]", "expected a string, got null"),
        (
            M,
            r#"{"turns": [{"text": "a", "output_length": 1.5}]}"#,
            BadType,
            "turns[0].output_length",
            "expected a non-negative integer, got 1.5",
        ),
        (M, r#"{"turns": [{"text": "a"}, {"text": "b", "delay": -1}]}"#, OutOfRange, "turns[1].delay", "must be >= 0, got -1"),
        (M, r#"{"turns": [{"text": "a", "timestamp": true}]}"#, BadType, "turns[0].timestamp", "expected a non-negative number, got true"),
        (
            M,
            r#"{"turns": [{"text": "a", "role": "assistant"}]}"#,
            BadType,
            "turns[0].role",
            r#"expected "user" (or "system" on the first turn), got "assistant""#,
        ),
        (
            M,
            r#"{"turns": [{"text": "a"}, {"text": "s", "role": "system"}]}"#,
            BadType,
            "turns[1].role",
            r#"expected "user" (or "system" on the first turn), got "system""#,
        ),
        (M, r#"{"turns": [{"text": "a", "role": 5}]}"#, BadType, "turns[0].role", "expected a string, got 5"),
        (M, r#"{"turns": [{"text": "s", "role": "system"}]}"#, EmptyPayload, "turns", "must contain a turn besides the system message"),
        (M, r#"{"session_id": [], "turns": [{"text": "a"}]}"#, BadType, "session_id", "expected a string or an integer, got []"),
        (M, r#"{"turns": [{"text": "a"}], "turns": [{"text": "b"}]}"#, DuplicateField, "turns", r#"key "turns" appears more than once"#),
    ];
    for &(ty, line, reason, fld, text) in cases {
        let e = load(line, typed(ty)).err().unwrap_or_else(|| panic!("{line} should be invalid"));
        assert_eq!(e.code, ErrorCode::InvalidRow, "{line}");
        assert_eq!((e.reason, e.line, e.field.as_deref()), (Some(reason), Some(1), Some(fld)), "{line}");
        assert_eq!(e.message, format!("t.jsonl:1: {fld}: {text}"), "{line}");
        // lenient: the row is skipped and counted under its reason
        let d = load(line, ReplayOptions { skip_invalid: true, ..typed(ty) }).unwrap();
        assert_eq!((d.turns(), d.skipped().total()), (0, 1), "{line}");
        assert_eq!(d.skipped().reasons()[0].reason, reason);
    }
    // invalid UTF-8 is found before anything is scanned, whatever the format
    let e = load_chunked(b"{\"text\": \"\xff\"}", typed(S), 1).unwrap_err();
    assert_eq!((e.reason, e.field.as_deref()), (Some(InvalidUtf8), Some("row")));
    assert_eq!(e.message, "t.jsonl:1: row: invalid UTF-8 at byte 11");
}

#[test]
fn a_system_message_belongs_to_the_first_row_of_its_session() {
    let file = concat!(
        r#"{"session_id": "s", "turns": [{"text": "a"}]}"#,
        "\n",
        r#"{"session_id": "s", "turns": [{"role": "system", "text": "late"}, {"text": "b"}]}"#
    );
    let e = load(file, opts()).unwrap_err();
    assert_eq!(e.message, r#"t.jsonl:2: turns[0]: only the first row of session "s" may carry a system message"#);
    assert_eq!(e.reason, Some(Reason::DuplicateField));
}

#[test]
fn strict_stops_at_the_first_bad_row_and_lenient_counts_every_reason() {
    let file = concat!(
        r#"{"text": "ok"}"#,
        "\n",
        r#"{"text": 1}"#,
        "\n\n",
        r#"{"texts": []}"#,
        "\n",
        r#"{"text": 2}"#,
        "\n",
        "not json\n",
        r#"{"text": "ok too", "timestamp": 3}"#,
        "\n"
    );
    let e = load(file, opts()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:2: text: expected a string, got 1");
    let d = load(file, lenient()).unwrap();
    assert_eq!((d.rows(), d.skipped().total()), (2, 4));
    assert_eq!(
        d.skipped_warning("t.jsonl").unwrap(),
        "warning: skipped 4 invalid rows in t.jsonl (bad_type: 2 [line 2, 5]; invalid_json: 1 [line 6]; empty_payload: 1 [line 4])"
    );
    assert_eq!(field(&d.summary_json().unwrap(), "skipped_invalid_rows"), "4");
    assert_eq!(d.dataset_type(), DatasetType::SingleTurn);
}

#[test]
fn the_type_is_inferred_from_the_first_valid_row() {
    // line 1 looks single_turn but is invalid; line 2 (a Mooncake row) fixes the type, so
    // line 3 is a Mooncake row without an input: missing_input
    let file = concat!(r#"{"text": 5}"#, "\n", r#"{"input_length": 3, "output_length": 1}"#, "\n", r#"{"text": "t"}"#, "\n");
    let d = load(file, lenient()).unwrap();
    assert_eq!((d.dataset_type(), d.turns()), (DatasetType::MooncakeTrace, 1));
    assert_eq!(
        d.skipped_warning("t.jsonl").unwrap(),
        "warning: skipped 2 invalid rows in t.jsonl (missing_input: 1 [line 3]; bad_type: 1 [line 1])"
    );
    let empty = load("\n\n", opts()).unwrap();
    assert_eq!(empty.dataset_type(), DatasetType::MooncakeTrace);
    assert_eq!(
        empty.summary_json().unwrap(),
        format!(
            r#"{{"dataset_type":"mooncake_trace","rows":0,"turns":0,"sessions":0,"skipped_invalid_rows":0,"window_dropped":0,"first_row_has_timestamp":false,"first_turns_timestamped":false,"sorted_by_first_timestamp":true,"requested_isl_rows":0,"scope":"{}","synthesis_report":null}}"#,
            trace_core::rng::fnv1a64(b"\n\n")
        )
    );
    assert_eq!(empty.session_start().unwrap(), [0]);
    // an explicit type is never inferred: a multi_turn-looking row is a bad Mooncake row
    let e = load(r#"{"turns": [{"text": "a"}]}"#, typed(DatasetType::MooncakeTrace)).unwrap_err();
    assert_eq!(e.reason, Some(Reason::MissingInput));
}

#[test]
fn the_window_keeps_original_timestamps_inclusively_and_rows_without_one() {
    let file = "{\"timestamp\": 0, \"input_length\": 1}\n{\"timestamp\": 10, \"input_length\": 2}\n{\"timestamp\": 20, \"input_length\": 3}\n{\"timestamp\": 20.5, \"input_length\": 4}\n{\"input_length\": 5}\n";
    let o = ReplayOptions { window_start_ms: Some(10.0), window_end_ms: Some(20.0), ..opts() };
    let d = load(file, o.clone()).unwrap();
    let lines: Vec<String> = turns_json(&d).iter().map(|t| field(t, "line").to_string()).collect();
    assert_eq!(lines, ["2", "3", "5"]);
    assert_eq!(field(&d.summary_json().unwrap(), "window_dropped"), "2");
    // multi_turn: the window applies to each turn; a session whose turns all fall outside is gone
    let mt = concat!(
        r#"{"session_id": "x", "turns": [{"text": "a", "timestamp": 5}, {"text": "b", "timestamp": 15}, {"text": "c"}]}"#,
        "\n",
        r#"{"session_id": "y", "turns": [{"text": "d", "timestamp": 25}]}"#
    );
    let d = load(mt, o).unwrap();
    assert_eq!((d.rows(), d.turns(), d.sessions()), (1, 2, 1));
    assert_eq!(field(&d.turn_json(0.0).unwrap(), "text"), "\"b\"");
}

#[test]
fn a_fixed_schedule_needs_a_timestamp_on_the_first_turn_of_each_session_only() {
    let o = ReplayOptions { require_timestamps: true, ..opts() };
    let ok = concat!(
        r#"{"session_id": "s", "timestamp": 0, "input_length": 1}"#,
        "\n",
        r#"{"session_id": "s", "delay": 10, "input_length": 1}"#,
        "\n",
        r#"{"session_id": "s", "input_length": 1}"#,
        "\n"
    );
    let d = load(ok, o.clone()).unwrap();
    assert_eq!(d.turns(), 3);
    assert_eq!(field(&d.summary_json().unwrap(), "first_turns_timestamped"), "true");
    let bad = format!("{ok}{}\n", r#"{"session_id": "t", "delay": 10, "input_length": 1}"#);
    let e = load(&bad, o.clone()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:4: timestamp: required by a fixed schedule (the first turn of a session)");
    assert_eq!(e.reason, Some(Reason::MissingField));
    // lenient: the row is skipped, and the session's next row becomes its first turn
    let two = format!("{bad}{}\n", r#"{"session_id": "t", "timestamp": 40, "input_length": 1}"#);
    let d = load(&two, ReplayOptions { skip_invalid: true, ..o.clone() }).unwrap();
    assert_eq!((d.turns(), d.sessions(), d.skipped().total()), (4, 2, 1));
    // the window can make a later turn the first one
    let windowed = ReplayOptions { window_start_ms: Some(1.0), ..o.clone() };
    let e = load(ok, windowed).unwrap_err();
    assert_eq!(e.message, "t.jsonl:2: timestamp: required by a fixed schedule (the first turn of a session)");
    let mt = r#"{"turns": [{"text": "a"}, {"text": "b", "timestamp": 1}]}"#;
    let e = load(mt, o).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("turns[0].timestamp"));
    // without a fixed schedule the same rows are fine, and the summary says so
    let d = load(mt, opts()).unwrap();
    let s = d.summary_json().unwrap();
    assert_eq!((field(&s, "first_row_has_timestamp"), field(&s, "first_turns_timestamped")), ("false", "false"));
}

#[test]
fn overshoot_rows_are_inconsistent_layout_and_prefix_only_rows_are_kept() {
    // docs/trace-format.md §7.2
    let g = concat!(
        r#"{"timestamp": 0, "input_length": 20,   "output_length": 5, "hash_ids": [0, 1]}"#,
        "\n",
        r#"{"timestamp": 5, "input_length": 1500, "output_length": 5, "hash_ids": [0]}"#,
        "\n",
        r#"{"timestamp": 9, "input_length": 600,  "output_length": 5, "hash_ids": [0, 2]}"#,
        "\n"
    );
    let e = load(g, opts()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:1: hash_ids: 2 ids do not match input_length 20 at block size 512 (overshoot)");
    assert_eq!((e.code, e.reason), (ErrorCode::InvalidRow, Some(Reason::InconsistentLayout)));
    let d = load(g, lenient()).unwrap();
    assert_eq!((d.turns(), d.skipped().total()), (2, 1));
    assert_eq!(d.skipped().reasons()[0].reason, Reason::InconsistentLayout);
    // a row outside the window is never materialised, so its layout does not matter
    let d = load(g, ReplayOptions { window_start_ms: Some(1.0), ..opts() }).unwrap();
    assert_eq!(d.turns(), 2);
}

#[test]
fn sessions_come_in_first_appearance_order_with_their_turns_in_file_order() {
    let file = concat!(
        r#"{"timestamp": 0, "input_length": 1, "session_id": "s1"}"#,
        "\n",
        r#"{"timestamp": 1, "input_length": 2, "session_id": "s2"}"#,
        "\n",
        r#"{"timestamp": 2, "input_length": 3}"#,
        "\n",
        r#"{"timestamp": 3, "input_length": 4, "session_id": "s1"}"#,
        "\n",
        r#"{"timestamp": 4, "input_length": 5, "session_id": "s2"}"#,
        "\n",
        r#"{"timestamp": 5, "input_length": 6, "session_id": "s\u0031"}"#,
        "\n",
    );
    let d = load(file, opts()).unwrap();
    assert_eq!(d.session_start().unwrap(), [0, 3, 5, 6]);
    assert_eq!(d.timestamps().unwrap(), [0.0, 3.0, 5.0, 1.0, 4.0, 2.0]);
    let isl: Vec<String> = turns_json(&d).iter().map(|t| field(t, "input_length").to_string()).collect();
    assert_eq!(isl, ["1", "4", "6", "2", "5", "3"]);
    let names: Vec<String> = turns_json(&d).iter().map(|t| field(t, "session_id").to_string()).collect();
    assert_eq!(names, ["\"s1\"", "\"s1\"", "\"s1\"", "\"s2\"", "\"s2\"", "null"]);
    let s = d.summary_json().unwrap();
    assert_eq!((field(&s, "sessions"), field(&s, "sorted_by_first_timestamp")), ("3", "true"));
    // first turns at 0, 1, 2 ascending; swap the third row's time to make them unsorted
    let unsorted = file.replace(r#""timestamp": 2,"#, r#""timestamp": 0.5,"#);
    assert_eq!(field(&load(&unsorted, opts()).unwrap().summary_json().unwrap(), "sorted_by_first_timestamp"), "false");
}

#[test]
fn mooncake_verbatim_rows_report_their_json() {
    let file = concat!(
        r#"{"text_input": "hi\u0021", "extra": {"a": [1]}}"#,
        "\n",
        r#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}], "output_tokens": 3}"#,
        "\n",
        r#"{"payload": {"model": "m", "prompt": "p"}, "delay_ms": 2.5}"#,
        "\n"
    );
    let d = load(file, opts()).unwrap();
    assert_eq!(
        turns_json(&d),
        [
            r#"{"line":1,"session_id":null,"input_length":null,"output_length":null,"text":"hi!","messages":null,"tools":null,"payload":null,"extra":{"a": [1]},"system":null}"#,
            r#"{"line":2,"session_id":null,"input_length":null,"output_length":3,"text":null,"messages":[{"role": "user", "content": "x"}],"tools":[{"type": "function"}],"payload":null,"extra":null,"system":null}"#,
            r#"{"line":3,"session_id":null,"input_length":null,"output_length":null,"text":null,"messages":null,"tools":null,"payload":{"model": "m", "prompt": "p"},"extra":null,"system":null}"#,
        ]
    );
    assert_eq!(d.delays().unwrap()[2], 2.5);
    assert_eq!(field(&d.summary_json().unwrap(), "requested_isl_rows"), "0");
}

#[test]
fn chunking_blank_lines_and_crlf_change_nothing_but_line_numbers() {
    let file = concat!(
        "\u{feff}",
        r#"{"session_id": "a", "turns": [{"role": "system", "text": "s"}, {"text": "x", "timestamp": 1}]}"#,
        "\r\n",
        r#"{"text_input": "t", "session_id": "a"}"#,
    );
    let whole = load(file, opts());
    // the second row is a multi_turn row without turns once the type is multi_turn
    assert_eq!(whole.unwrap_err().message, "t.jsonl:2: row: missing (a row needs turns)");
    let file = file.replace(r#"{"text_input": "t", "session_id": "a"}"#, r#"{"session_id": "a", "turns": [{"texts": ["y", "z"]}]}"#);
    let a = load(&file, opts()).unwrap();
    let b = load_chunked(file.as_bytes(), opts(), 1).unwrap();
    assert_eq!(turns_json(&a), turns_json(&b));
    assert_eq!(a.summary_json().unwrap(), b.summary_json().unwrap());
    // (a BOM is only skipped at the very start of the file)
    let shifted = load(&format!("\n\n{}", file.trim_start_matches('\u{feff}')), opts()).unwrap();
    assert_eq!(field(&shifted.turn_json(1.0).unwrap(), "line"), "4");
}

#[test]
fn calls_out_of_order_are_state_errors() {
    let mut d = ReplayDataset::new(opts()).unwrap();
    assert_eq!(d.summary_json().unwrap_err().code, ErrorCode::AnalyzerState);
    assert_eq!(d.push_learn(b"").unwrap_err().message, "replay dataset: pushLearn, but no transform runs (needsLearnPass is false)");
    d.push(b"{\"input_length\": 1}").unwrap();
    d.finish().unwrap();
    assert_eq!(d.push(b"").unwrap_err().message, "replay dataset: push after finish");
    let e = d.turn_json(1.0).unwrap_err();
    assert_eq!((e.code, e.message.as_str()), (ErrorCode::InvalidArg, "turn 1 is out of range (the dataset has 1 turns)"));
    assert!(d.turn_json(0.5).is_err() && d.turn_json(-1.0).is_err() && d.turn_json(f64::NAN).is_err());
    assert_eq!(d.prompt_tokens(0.0).unwrap_err().message, "replay dataset: setTables before the first prompt");
    // an error leaves the dataset unusable
    let mut bad = ReplayDataset::new(opts()).unwrap();
    assert!(bad.push(b"[]\n").is_err());
    assert_eq!(bad.finish().unwrap_err().message, "replay dataset: unusable after an error");
}

#[test]
fn the_real_trace_loads_without_a_skip_and_keeps_every_row() {
    let data = replay_support::real_trace();
    let d = load_chunked(&data, opts(), 4 << 20).unwrap();
    assert_eq!((d.rows(), d.turns(), d.sessions(), d.skipped().total()), (12_031, 12_031, 12_031, 0));
    let s = d.summary_json().unwrap();
    assert_eq!(field(&s, "requested_isl_rows"), "12031");
    assert_eq!(field(&s, "first_turns_timestamped"), "true");
    assert_eq!(field(&s, "sorted_by_first_timestamp"), "true");
    assert_eq!(field(&s, "scope"), format!("\"{}\"", trace_core::rng::fnv1a64(&data)));
    assert_eq!(d.bytes_consumed(), data.len() as u64);
    let ts = d.timestamps().unwrap();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(turns_json(&d).last().map(|t| field(t, "line").to_string()), Some("12031".to_string()));
}
