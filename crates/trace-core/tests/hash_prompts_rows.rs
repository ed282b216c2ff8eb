//! `hash-prompts` input rows (`docs/synthesis.md` §5 with `docs/trace-format.md` §3–4 validation):
//! the text, the copied fields in canonical output form, and the row errors.

use trace_core::hash_prompts::{parse_prompt_row, parse_prompt_row_json, PromptRow};
use trace_core::row::{parse_row, parse_row_with_schema, ParseOptions, Row, RowError, RowSchema};
use trace_core::Reason;

fn ok(line: &str) -> PromptRow {
    parse_prompt_row(line.as_bytes(), None).unwrap_or_else(|e| panic!("{line}: {e:?}"))
}

fn err(line: &str, text_field: Option<&str>) -> (Reason, String, String) {
    let e: RowError = parse_prompt_row(line.as_bytes(), text_field).expect_err(line);
    (e.reason, e.field, e.text)
}

/// The output row as the TypeScript side assembles it.
fn output(r: &PromptRow, input_length: u64, ids: &str) -> String {
    format!("{{{}\"input_length\":{input_length}{},\"hash_ids\":[{ids}]{}}}", r.before_input_length, r.before_hash_ids, r.after_hash_ids)
}

#[test]
fn spec_example_rows_keep_their_fields_in_spec_order() {
    let r = ok(r#"{"extra": {"k": 1}, "delay": 3, "session_id": "s", "output_length": 5, "prompt": "a b", "timestamp": 0}"#);
    assert_eq!(r.text.as_deref(), Some("a b"));
    assert_eq!(r.text_field, "prompt");
    assert_eq!(
        output(&r, 10, "0,1,2"),
        r#"{"timestamp":0,"input_length":10,"output_length":5,"hash_ids":[0,1,2],"session_id":"s","delay":3,"extra":{"k":1}}"#
    );
    let bare = ok(r#"{"text": "x"}"#);
    assert_eq!(output(&bare, 1, "0"), r#"{"input_length":1,"hash_ids":[0]}"#);
    assert_eq!(bare.text_field, "text");
}

#[test]
fn text_comes_from_the_first_present_default_field_or_the_named_one() {
    assert_eq!(ok(r#"{"text": "c", "text_input": "b", "prompt": null}"#).text.as_deref(), Some("b"));
    assert_eq!(ok(r#"{"text_input": null, "text": "c"}"#).text_field, "text");
    // escapes decoded exactly, surrogate pairs included
    assert_eq!(ok(r#"{"prompt": "a\"b\\c\n\u00e9\ud83d\ude00\/"}"#).text.as_deref(), Some("a\"b\\c\né😀/"));
    let r = parse_prompt_row(br#"{"q": "1 2", "prompt": "9"}"#, Some("q")).unwrap();
    assert_eq!((r.text.as_deref(), r.text_field.as_str()), (Some("1 2"), "q"));
    assert_eq!(err(r#"{"prompt": "9"}"#, Some("q")), (Reason::MissingInput, "q".into(), "missing (--text-field q)".into()));
    assert_eq!(
        err(r#"{"q": null, "messages": [{"role": "user"}]}"#, Some("q")),
        (Reason::MissingInput, "q".into(), "missing (--text-field q)".into())
    );
    assert_eq!(err(r#"{"q": [1]}"#, Some("q")), (Reason::BadType, "q".into(), "expected a string, got [1]".into()));
    // a non-string first text field is an error even if a later one is a string
    assert_eq!(err(r#"{"prompt": 5, "text": "x"}"#, None), (Reason::BadType, "prompt".into(), "expected a string, got 5".into()));
    assert_eq!(err(r#"{"text_input": 5}"#, None), (Reason::BadType, "text_input".into(), "expected a string, got 5".into()));
}

#[test]
fn rows_without_text_keep_the_hash_prompts_messages() {
    let m = ok(r#"{"messages": [{"role": "user", "content": "hi"}]}"#);
    assert_eq!((m.text, m.text_field.as_str(), m.has_messages), (None, "messages", true));
    assert!(ok(r#"{"prompt": "p", "messages": [{"role": "user"}]}"#).has_messages);
    assert_eq!(
        err(r#"{"x": 1}"#, None),
        (Reason::MissingInput, "row".into(), "missing (a row needs one of prompt, text_input, text)".into())
    );
    assert_eq!(err("{}", None).0, Reason::MissingInput);
}

#[test]
fn invalid_copied_fields_are_row_errors_with_the_trace_messages() {
    let cases: [(&str, Reason, &str, &str); 10] = [
        (r#"{"prompt":"hi","timestamp":"abc"}"#, Reason::BadType, "timestamp", r#"expected a non-negative number, got "abc""#),
        (r#"{"prompt":"hi","timestamp":true}"#, Reason::BadType, "timestamp", "expected a non-negative number, got true"),
        (r#"{"prompt":"hi","output_length":-5}"#, Reason::OutOfRange, "output_length", "must be >= 0, got -5"),
        (r#"{"prompt":"hi","output_length":1.5}"#, Reason::BadType, "output_length", "expected a non-negative integer, got 1.5"),
        (r#"{"prompt":"hi","output_tokens":5000000000}"#, Reason::OutOfRange, "output_length", "must be <= 4294967295, got 5000000000"),
        (r#"{"prompt":"hi","delay":-1}"#, Reason::OutOfRange, "delay", "must be >= 0, got -1"),
        (r#"{"prompt":"hi","session_id":1.5}"#, Reason::BadType, "session_id", "expected a string or an integer, got 1.5"),
        (r#"{"prompt":"hi","extra":[1]}"#, Reason::BadType, "extra", "expected an object, got [1]"),
        (r#"{"prompt":"hi","prompt":"again"}"#, Reason::DuplicateField, "prompt", r#"key "prompt" appears more than once"#),
        (
            r#"{"prompt":"hi","timestamp":1,"created_time":2}"#,
            Reason::DuplicateField,
            "timestamp",
            "both timestamp and created_time are present",
        ),
    ];
    for (line, reason, field, text) in cases {
        assert_eq!(err(line, None), (reason, field.to_string(), text.to_string()), "{line}");
    }
}

#[test]
fn syntax_and_encoding_errors_use_the_core_wording() {
    assert_eq!(
        err(r#"{"prompt":"hi" "timestamp":1}"#, None),
        (Reason::InvalidJson, "json".into(), "invalid JSON: expected ',' or '}' at column 16".into())
    );
    assert_eq!(err("[1]", None), (Reason::NotAnObject, "row".into(), "row must be a JSON object, got array".into()));
    let e = parse_prompt_row(b"{\"prompt\":\"\xff\"}", None).unwrap_err();
    assert_eq!((e.reason, e.field.as_str(), e.text.as_str()), (Reason::InvalidUtf8, "row", "invalid UTF-8 at byte 12"));
}

#[test]
fn aliases_are_renamed_and_lax_values_canonicalised() {
    let r = ok(r#"{"prompt":"p","created_time":"1000","output_tokens":"7","delay_ms":2.5e1}"#);
    assert_eq!(output(&r, 1, "0"), r#"{"timestamp":1000,"input_length":1,"output_length":7,"hash_ids":[0],"delay":25}"#);
    // integral in any spelling → integer digits; fractional → its exact decimal digits
    for (written, out) in [
        ("1e3", "1000"),
        ("1000.0", "1000"),
        (r#""1000.000""#, "1000"),
        ("-0", "0"),
        ("9007199254740992", "9007199254740992"),
        ("12.50", "12.50"),
        ("1.5e-3", "1.5e-3"),
        (r#""12.5""#, "12.5"),
        (r#""+007.25""#, "7.25"),
        (r#"".5""#, "0.5"),
        (r#""5.e-1""#, "5e-1"),
        (r#""\u0031.5""#, "1.5"),
        // not integral as written, though the nearest double is: the digits stay
        ("1.00000000000000001", "1.00000000000000001"),
        (r#""1.00000000000000001""#, "1.00000000000000001"),
    ] {
        let r = ok(&format!(r#"{{"prompt":"p","timestamp":{written}}}"#));
        assert_eq!(r.before_input_length, format!("\"timestamp\":{out},"), "{written}");
        // what is written reads back as the same time value
        let back = parse_row(format!(r#"{{"input_length":1,"timestamp":{out}}}"#).as_bytes(), &ParseOptions::default()).unwrap();
        let orig = parse_row(format!(r#"{{"input_length":1,"timestamp":{written}}}"#).as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(back.timestamp, orig.timestamp, "{written}");
    }
    // a null field is absent, even next to its alias
    let r = ok(r#"{"prompt":"p","timestamp":null,"created_time":5,"output_length":null}"#);
    assert_eq!((r.before_input_length.as_str(), r.before_hash_ids.as_str()), ("\"timestamp\":5,", ""));
}

#[test]
fn session_ids_are_strings_exactly_and_extra_is_compacted() {
    let r = ok(r#"{"prompt":"p","session_id":12345678901234567890123}"#);
    assert_eq!(r.after_hash_ids, r#","session_id":"12345678901234567890123""#);
    assert_eq!(ok(r#"{"prompt":"p","session_id":9007199254740993}"#).after_hash_ids, r#","session_id":"9007199254740993""#);
    assert_eq!(ok(r#"{"prompt":"p","session_id":"a\"b\u00e9"}"#).after_hash_ids, r#","session_id":"a\"bé""#);
    let r = ok(r#"{"prompt":"p","extra":{ "a" : [1, 2.50, "x y"], "b": {"c": null} }}"#);
    assert_eq!(r.after_hash_ids, r#","extra":{"a":[1,2.50,"x y"],"b":{"c":null}}"#);
}

#[test]
fn prompt_schema_skips_only_the_input_mode_rules() {
    let line = br#"{"prompt":"p","hash_ids":[1],"tools":[]}"#;
    assert_eq!(parse_row(line, &ParseOptions::default()).unwrap_err().reason, Reason::MissingInput);
    let mut row = Row::default();
    parse_row_with_schema(line, &ParseOptions::default(), RowSchema::Prompt, &mut row).unwrap();
    assert_eq!(row.hash_ids, vec![1]);
    let both = br#"{"input_length":1,"text_input":"x"}"#;
    assert_eq!(parse_row(both, &ParseOptions::default()).unwrap_err().reason, Reason::ConflictingInputs);
    parse_row_with_schema(both, &ParseOptions::default(), RowSchema::Prompt, &mut row).unwrap();
    // field checks still apply
    let e = parse_row_with_schema(br#"{"hash_ids":[-1]}"#, &ParseOptions::default(), RowSchema::Prompt, &mut row).unwrap_err();
    assert_eq!((e.reason, e.field.as_str()), (Reason::OutOfRange, "hash_ids[0]"));
}

#[test]
fn json_result_carries_the_row_or_the_problem() {
    assert_eq!(
        parse_prompt_row_json(br#"{"prompt":"a\nb","created_time":1,"session_id":7}"#, None),
        r#"{"text":"a\nb","textField":"prompt","beforeInputLength":"\"timestamp\":1,","beforeHashIds":"","afterHashIds":",\"session_id\":\"7\"","messages":false}"#
    );
    assert_eq!(
        parse_prompt_row_json(br#"{"messages":[{"role":"user"}]}"#, None),
        r#"{"text":null,"textField":"messages","beforeInputLength":"","beforeHashIds":"","afterHashIds":"","messages":true}"#
    );
    assert_eq!(
        parse_prompt_row_json(br#"{"prompt":"a","output_length":"x"}"#, Some("prompt")),
        r#"{"reason":"bad_type","field":"output_length","message":"expected a non-negative integer, got \"x\""}"#
    );
}
