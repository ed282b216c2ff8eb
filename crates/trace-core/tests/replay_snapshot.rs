//! A finished ReplayDataset as bytes and back (`to_bytes` / `from_bytes`): the rebuilt dataset
//! answers every question as the one that read the file (summary, turns, ids, schedule arrays,
//! prompts), and bytes that are not an intact snapshot of this version are a clear
//! `INVALID_ARG`, never a panic.

mod replay_support;

use replay_support::{load, opts, real_trace, with_toy_tables};
use trace_core::decimal::Decimal;
use trace_core::replay::{DatasetType, ReplayDataset, ReplayOptions};
use trace_core::ErrorCode;

fn bits(v: Vec<f64>) -> Vec<u64> {
    v.into_iter().map(f64::to_bits).collect()
}

/// `b` answers as `a` does, prompts included (both get the toy tables).
fn assert_same(a: &mut ReplayDataset, b: &mut ReplayDataset) {
    assert_eq!(a.summary_json().unwrap(), b.summary_json().unwrap());
    assert_eq!((a.dataset_type(), a.rows(), a.turns(), a.sessions()), (b.dataset_type(), b.rows(), b.turns(), b.sessions()));
    assert_eq!(a.skipped_warning("p"), b.skipped_warning("p"));
    assert_eq!(a.skipped(), b.skipped());
    assert_eq!(a.transform_report().unwrap(), b.transform_report().unwrap());
    assert_eq!(a.session_start().unwrap(), b.session_start().unwrap());
    assert_eq!(bits(a.timestamps().unwrap()), bits(b.timestamps().unwrap()));
    assert_eq!(bits(a.delays().unwrap()), bits(b.delays().unwrap()));
    with_toy_tables(a, true);
    with_toy_tables(b, true);
    for t in 0..a.turns() {
        let t = t as f64;
        assert_eq!(a.turn_json(t).unwrap(), b.turn_json(t).unwrap(), "turn {t}");
        assert_eq!(a.turn_hash_ids(t).unwrap(), b.turn_hash_ids(t).unwrap(), "turn {t}");
        assert_eq!(a.prompt_tokens(t).unwrap(), b.prompt_tokens(t).unwrap(), "turn {t}");
        assert_eq!(a.prompt_text(t).unwrap(), b.prompt_text(t).unwrap(), "turn {t}");
    }
}

/// Round trip: the rebuilt dataset equals the original and writes the same bytes again.
fn round_trip(mut a: ReplayDataset) -> Vec<u8> {
    let bytes = a.to_bytes().unwrap();
    let mut b = ReplayDataset::from_bytes(&bytes).unwrap();
    assert!(!b.needs_learn_pass());
    assert_eq!(b.to_bytes().unwrap(), bytes, "a rebuilt dataset writes the bytes it was read from");
    assert_same(&mut a, &mut b);
    bytes
}

#[test]
fn the_real_trace_round_trips_with_and_without_a_transform() {
    let file = real_trace();
    let plain = replay_support::load_chunked(&file, opts(), 1 << 20).unwrap();
    assert!(plain.turns() > 12_000);
    let bytes = round_trip(plain);
    // the store's records, a few tables: well under the file's size
    assert!(bytes.len() < file.len() / 4, "{} bytes for a {}-byte file", bytes.len(), file.len());

    let mut o = ReplayOptions { seed: 7, window_start_ms: Some(1000.0), ..opts() };
    o.synthesis.speedup_ratio = Decimal::parse("2").unwrap();
    o.synthesis.prefix_root_multiplier = 2;
    o.synthesis.max_isl = Some(20_000);
    let transformed = replay_support::load_chunked(&file, o, 1 << 20).unwrap();
    assert!(transformed.transform_report().unwrap().is_some());
    round_trip(transformed);
}

#[test]
fn text_rows_sessions_and_skips_round_trip() {
    let single = concat!(
        r#"{"text": "héllo \"x\"", "output_length": 12, "timestamp": 5.5, "extra": {"temperature": 0}, "session_id": "s"}"#,
        "\n",
        r#"{"texts": ["a", "b"], "delay": 100}"#,
        "\n",
        r#"{"text": 5}"#,
        "\n",
        r#"{"text": "again", "session_id": "s", "timestamp": 9}"#,
        "\n",
    );
    let d = load(single, ReplayOptions { skip_invalid: true, ..opts() }).unwrap();
    assert_eq!((d.dataset_type(), d.skipped().total()), (DatasetType::SingleTurn, 1));
    round_trip(d);

    // interleaved sessions: the turn order is not the file order
    let multi = concat!(
        r#"{"session_id": "a", "turns": [{"role": "system", "text": "be brief"}, {"text": "q1", "timestamp": 0}, {"text": "q2", "delay": 50}]}"#,
        "\n",
        r#"{"session_id": "b", "turns": [{"texts": ["x", "y"], "timestamp": 3}]}"#,
        "\n",
        r#"{"session_id": "a", "turns": [{"text": "q3", "output_length": 4}]}"#,
        "\n",
    );
    let d = load(multi, opts()).unwrap();
    assert_eq!(d.session_start().unwrap(), [0, 3, 4]);
    round_trip(d);

    let mooncake = concat!(
        r#"{"timestamp": 0, "input_length": 700, "output_length": 5, "hash_ids": [1, 2]}"#,
        "\n",
        r#"{"timestamp": 10.25, "text_input": "verbatim", "extra": {"k": [1]}}"#,
        "\n",
        r#"{"timestamp": 20, "messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function"}]}"#,
        "\n",
        r#"{"timestamp": 30, "payload": {"prompt": "p", "max_tokens": 3}}"#,
        "\n",
        r#"{"session_id": "c", "input_length": 10}"#,
        "\n",
    );
    let d = load(mooncake, ReplayOptions { block_size: 512, ..opts() }).unwrap();
    assert_eq!(d.dataset_type(), DatasetType::MooncakeTrace);
    round_trip(d);
}

fn sample() -> Vec<u8> {
    let file = concat!(
        r#"{"session_id": "a", "turns": [{"role": "system", "text": "sys"}, {"text": "q1", "timestamp": 0.5}]}"#,
        "\n",
        r#"{"session_id": "b", "turns": [{"text": "z", "delay": 7}]}"#,
        "\n",
        r#"{"session_id": "a", "turns": [{"text": "q2"}]}"#,
        "\n",
    );
    load(file, opts()).unwrap().to_bytes().unwrap()
}

fn from_bytes_err(bytes: &[u8]) -> String {
    let e = ReplayDataset::from_bytes(bytes).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArg, "{}", e.message);
    assert!(e.message.starts_with("ReplayDataset.fromBytes: "), "{}", e.message);
    e.message
}

#[test]
fn truncated_damaged_and_foreign_bytes_are_invalid_arg() {
    let bytes = sample();
    for n in 0..bytes.len() {
        from_bytes_err(&bytes[..n]);
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(from_bytes_err(&longer).contains("truncated or extended"));
    for i in 20..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        from_bytes_err(&b);
    }
    let mut newer = bytes.clone();
    newer[8] = 2;
    assert_eq!(
        from_bytes_err(&newer),
        "ReplayDataset.fromBytes: format version 2, but this build reads version 1 (write and read the bytes with the same infermark)"
    );
    assert_eq!(
        from_bytes_err(b"{\"timestamp\": 0}\n"),
        "ReplayDataset.fromBytes: not a serialised ReplayDataset (it does not start with 'imreplay')"
    );
}

#[test]
fn only_a_finished_dataset_has_bytes() {
    let mut d = ReplayDataset::new(opts()).unwrap();
    d.push(b"{\"text\": \"a\"}\n").unwrap();
    assert_eq!(d.to_bytes().unwrap_err().code, ErrorCode::AnalyzerState);
}
