//! The in-memory transform of a ReplayDataset (docs/synthesis.md §3.2): the same rows as
//! `synthesize --mode transform` writes, each turn keeping its input line, the window applied
//! before the transform, and the learn pass's rules.

mod replay_support;

use replay_support::{field, load, load_chunked, opts, real_trace, turns_json};
use trace_core::decimal::Decimal;
use trace_core::replay::{DatasetType, ReplayDataset, ReplayOptions};
use trace_core::synthesis::{transform_bytes, StreamSettings, SynthesisOptions};
use trace_core::{ErrorCode, Reason};

fn synthesis(f: impl FnOnce(&mut SynthesisOptions)) -> SynthesisOptions {
    let mut s = SynthesisOptions::default();
    f(&mut s);
    s
}

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn with(s: SynthesisOptions) -> ReplayOptions {
    ReplayOptions { seed: s.seed, synthesis: s, ..opts() }
}

/// Every turn of `a` and `b` is the same row: ids, lengths, texts, times (not the line).
fn assert_same_rows(a: &ReplayDataset, b: &ReplayDataset) {
    assert_eq!(a.turns(), b.turns());
    assert_eq!(a.session_start().unwrap(), b.session_start().unwrap());
    let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(a.timestamps().unwrap()), bits(b.timestamps().unwrap()));
    assert_eq!(bits(a.delays().unwrap()), bits(b.delays().unwrap()));
    let without_line = |j: String| j.split_once(',').unwrap().1.to_string();
    for t in 0..a.turns() {
        let t = t as f64;
        assert_eq!(a.turn_hash_ids(t).unwrap(), b.turn_hash_ids(t).unwrap(), "turn {t}");
        assert_eq!(without_line(a.turn_json(t).unwrap()), without_line(b.turn_json(t).unwrap()), "turn {t}");
    }
}

#[test]
fn the_in_memory_transform_gives_the_rows_synthesize_writes() {
    let input = real_trace();
    let cases = [
        synthesis(|s| s.speedup_ratio = d("2")),
        synthesis(|s| {
            s.prefix_len_multiplier = d("1.5");
            s.prompt_len_multiplier = d("0.5");
            s.output_len_multiplier = d("1.5");
            s.max_osl = Some(300);
        }),
        synthesis(|s| {
            s.prefix_root_multiplier = 3;
            s.speedup_ratio = d("0.7");
            s.max_isl = Some(20_000);
            s.seed = 7;
        }),
    ];
    for s in cases {
        let settings = StreamSettings { source_name: "t.jsonl".into(), skip_invalid: false };
        let (out, report, _) = transform_bytes(&input, s.clone(), settings).unwrap();
        let replayed = load_chunked(&input, with(s.clone()), 3 << 20).unwrap();
        assert!(replayed.needs_learn_pass());
        let from_file = load_chunked(&out, ReplayOptions { seed: s.seed, ..opts() }, 4 << 20).unwrap();
        assert_same_rows(&replayed, &from_file);
        assert_eq!(replayed.transform_report().unwrap(), Some(&report));
        let summary = replayed.summary_json().unwrap();
        assert!(summary.ends_with(&format!(",\"synthesis_report\":{}}}", report.to_json())), "{summary}");
        // the scope is the input file's: the same ids give the prompts of the input's scope
        assert_eq!(replayed.scope().unwrap(), trace_core::rng::fnv1a64(&input));
    }
}

#[test]
fn turns_keep_the_line_of_their_input_row() {
    // Example A of docs/synthesis.md §3.7 with blank lines, max_isl 1100 skips line 1
    let file = "{\"timestamp\":0,\"input_length\":1200,\"output_length\":100,\"hash_ids\":[1,2,3]}\n\n{\"timestamp\":1000,\"input_length\":1100,\"output_length\":200,\"hash_ids\":[1,2,4]}\n{\"timestamp\":2001,\"input_length\":600,\"output_length\":50,\"hash_ids\":[1,5]}\n\n{\"timestamp\":3000,\"input_length\":1024,\"output_length\":300,\"hash_ids\":[1,2]}\n";
    let dset = load(file, with(synthesis(|s| s.max_isl = Some(1100)))).unwrap();
    let lines: Vec<String> = turns_json(&dset).iter().map(|t| field(t, "line").to_string()).collect();
    assert_eq!(lines, ["3", "4", "6"]);
    let r = dset.transform_report().unwrap().unwrap();
    assert_eq!((r.rows_in, r.rows_out, r.skipped_max_isl), (4, 3, 1));
    // P = 2 relabels ids (§3.7: [2,3,4,5,8] 2124 for the second row)
    let dset = load(file, with(synthesis(|s| s.prefix_len_multiplier = d("2")))).unwrap();
    assert_eq!(dset.turn_hash_ids(1.0).unwrap(), [2, 3, 4, 5, 8]);
    assert_eq!((field(&dset.turn_json(1.0).unwrap(), "input_length"), field(&dset.turn_json(1.0).unwrap(), "line")), ("2124", "3"));
}

#[test]
fn the_window_drops_rows_before_the_transform_sees_them() {
    let file = "{\"timestamp\":0,\"input_length\":1200,\"output_length\":100,\"hash_ids\":[1,2,3]}\n{\"timestamp\":1000,\"input_length\":1100,\"output_length\":200,\"hash_ids\":[1,2,4]}\n{\"timestamp\":2001,\"input_length\":600,\"output_length\":50,\"hash_ids\":[1,5]}\n{\"timestamp\":3000,\"input_length\":1024,\"output_length\":300,\"hash_ids\":[1,2]}\n";
    // the window is on the original timestamps (1000 and 2001), the speedup halves the kept ones
    let o = ReplayOptions { window_start_ms: Some(1000.0), window_end_ms: Some(2001.0), ..with(synthesis(|s| s.speedup_ratio = d("2"))) };
    let dset = load(file, o).unwrap();
    assert_eq!(dset.timestamps().unwrap(), [500.0, 1000.0]);
    assert_eq!(dset.transform_report().unwrap().unwrap().rows_in, 2);
    assert_eq!(field(&dset.summary_json().unwrap(), "window_dropped"), "2");
    // P = 2 over the kept rows only: [1,2,4] and [1,5] share just id 1
    let o = ReplayOptions {
        window_start_ms: Some(1000.0),
        window_end_ms: Some(2001.0),
        ..with(synthesis(|s| s.prefix_len_multiplier = d("2")))
    };
    let dset = load(file, o).unwrap();
    let kept_rows = "{\"timestamp\":1000,\"input_length\":1100,\"output_length\":200,\"hash_ids\":[1,2,4]}\n{\"timestamp\":2001,\"input_length\":600,\"output_length\":50,\"hash_ids\":[1,5]}\n";
    let direct = load(kept_rows, with(synthesis(|s| s.prefix_len_multiplier = d("2")))).unwrap();
    assert_eq!(dset.turn_hash_ids(0.0).unwrap(), direct.turn_hash_ids(0.0).unwrap());
    assert_eq!(dset.turn_hash_ids(1.0).unwrap(), direct.turn_hash_ids(1.0).unwrap());
}

#[test]
fn overshoot_rows_are_rejected_unless_the_transform_repairs_them() {
    let file = "{\"timestamp\": 0, \"input_length\": 20, \"output_length\": 5, \"hash_ids\": [0, 1]}\n{\"timestamp\": 5, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [0, 2]}\n";
    // a speedup keeps every layout: the overshoot row fails in the learn pass, in file order
    let mut dset = ReplayDataset::new(with(synthesis(|s| s.speedup_ratio = d("2")))).unwrap();
    let e = dset.push_learn(file.as_bytes()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:1: hash_ids: 2 ids do not match input_length 20 at block size 512 (overshoot)");
    // lenient: skipped once (the second pass does not count it again)
    let dset = load(file, ReplayOptions { skip_invalid: true, ..with(synthesis(|s| s.speedup_ratio = d("2"))) }).unwrap();
    assert_eq!((dset.turns(), dset.skipped().total()), (1, 1));
    assert_eq!(dset.skipped().reasons()[0].reason, Reason::InconsistentLayout);
    // when ids change the transform repairs it (§3.4), and its output has no conflict (§3.6)
    let dset = load(file, with(synthesis(|s| s.prompt_len_multiplier = d("1.5")))).unwrap();
    assert_eq!(dset.turns(), 2);
    assert_eq!(dset.transform_report().unwrap().unwrap().inconsistent_repaired, 1);
}

#[test]
fn invalid_rows_are_counted_once_across_both_passes() {
    let file = "{\"input_length\": 10, \"timestamp\": 1}\n{\"text\": 5}\n[1]\n{\"input_length\": \"x\"}\n{\"input_length\": 20, \"timestamp\": 2}\n";
    let dset = load(file, ReplayOptions { skip_invalid: true, ..with(synthesis(|s| s.speedup_ratio = d("2"))) }).unwrap();
    assert_eq!(dset.turns(), 2);
    assert_eq!(
        dset.skipped_warning("t.jsonl").unwrap(),
        "warning: skipped 3 invalid rows in t.jsonl (not_an_object: 1 [line 3]; missing_input: 1 [line 2]; bad_type: 1 [line 4])"
    );
    // before the first valid row, lines that looked like another type are skipped as such
    let first_bad = "{\"text\": 5}\n{\"input_length\": 10, \"timestamp\": 1}\n";
    let dset = load(first_bad, ReplayOptions { skip_invalid: true, ..with(synthesis(|s| s.speedup_ratio = d("2"))) }).unwrap();
    assert_eq!((dset.turns(), dset.skipped().reasons()[0].reason), (1, Reason::BadType));
}

#[test]
fn a_transform_needs_a_mooncake_trace() {
    let o = with(synthesis(|s| s.speedup_ratio = d("2")));
    let e = ReplayDataset::new(ReplayOptions { dataset_type: Some(DatasetType::MultiTurn), ..o.clone() }).unwrap_err();
    assert_eq!(e.message, "option '--synthesis-speedup-ratio' requires a mooncake_trace --input-file (t.jsonl is multi_turn)");
    let e = load("{\"text\": \"a\"}\n", o).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::InvalidArg, "option '--synthesis-speedup-ratio' requires a mooncake_trace --input-file (t.jsonl is single_turn)")
    );
}

#[test]
fn the_two_passes_come_in_order() {
    let mut dset = ReplayDataset::new(with(synthesis(|s| s.max_osl = Some(5)))).unwrap();
    assert_eq!(dset.push(b"").unwrap_err().message, "replay dataset: push before the learn pass is finished (pushLearn…, finishLearn)");
    dset.push_learn(b"{\"input_length\": 1, \"output_length\": 9}").unwrap();
    dset.finish_learn().unwrap();
    assert_eq!(dset.push_learn(b"").unwrap_err().message, "replay dataset: pushLearn after the learn pass");
    dset.push(b"{\"input_length\": 1, \"output_length\": 9}").unwrap();
    dset.finish().unwrap();
    assert_eq!(field(&dset.turn_json(0.0).unwrap(), "output_length"), "5");
}
