//! Prompt materialisation of a ReplayDataset (docs/synthesis.md §6) at the token level, with a
//! toy tokenizer (token t is the text `<t>`), and the whole-file size-conflict rule
//! (docs/trace-format.md §7.1), including the trace-replay tutorial's 3-row example.

mod replay_support;

use replay_support::{load, load_chunked, opts, real_trace, text_tokens, toy_tables, with_toy_tables, SEP};
use trace_core::replay::{ReplayDataset, ReplayOptions};
use trace_core::rng::{fnv1a64, labels, Stream};
use trace_core::{analyze_trace, AnalyzerOptions, ErrorCode};

/// The tutorial's example (timestamps 0, 10535, 27482 ms; hash ids [46, 47]).
const TUTORIAL: &str = concat!(
    r#"{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}"#,
    "\n",
    r#"{"timestamp": 10535, "input_length": 672, "output_length": 52, "hash_ids": [46, 47]}"#,
    "\n",
    r#"{"timestamp": 27482, "input_length": 655, "output_length": 26, "hash_ids": [46, 47]}"#,
    "\n"
);

// At bs 512, 655 tokens give block 47 143 tokens and 672 give it 160: the second row asks for
// id 47 at another size than the first fixed, which docs/trace-format.md §7.1 makes an error
// in every mode. (The tutorial expects the 672-token prompt to extend the 655-token one; the
// first 143 tokens of block 47 are indeed the same either way, but the spec rejects the file.)
#[test]
fn the_tutorials_three_rows_are_a_size_conflict_at_block_47() {
    let want = "t.jsonl:2: hash_ids[1]: hash id 47 requested at 160 tokens but was already materialised at 143 tokens (line 1)";
    for skip_invalid in [false, true] {
        let e = load(TUTORIAL, ReplayOptions { skip_invalid, ..opts() }).unwrap_err();
        assert_eq!((e.code, e.line, e.field.as_deref()), (ErrorCode::SizeConflict, Some(2), Some("hash_ids[1]")));
        assert_eq!(e.message, want);
    }
    // the analyzer's --check-materialisation says exactly the same (one shared rule)
    let a = analyze_trace(
        TUTORIAL.as_bytes(),
        AnalyzerOptions { check_materialisation: true, source_name: "t.jsonl".into(), ..Default::default() },
    );
    assert_eq!(a.unwrap_err().message, want);
    // the rows that share a size are fine: lines 1 and 3 alone
    let d = load(&TUTORIAL.lines().step_by(2).collect::<Vec<_>>().join("\n"), opts()).unwrap();
    assert_eq!(d.turns(), 2);
}

#[test]
fn a_size_conflict_names_both_lines_and_only_kept_rows_count() {
    // docs/trace-format.md §7.1's example, lines 2 and 5
    let file = "\n{\"input_length\":700,\"hash_ids\":[7,8]}\n\n\n{\"input_length\":1100,\"hash_ids\":[7,8,9]}\n";
    let e = load(file, opts()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:5: hash_ids[1]: hash id 8 requested at 512 tokens but was already materialised at 188 tokens (line 2)");
    // the first use is the first kept row: drop line 2 by the window and the file is fine
    let timed = "{\"timestamp\":1,\"input_length\":700,\"hash_ids\":[7,8]}\n{\"timestamp\":9,\"input_length\":1100,\"hash_ids\":[7,8,9]}\n{\"timestamp\":9,\"input_length\":600,\"hash_ids\":[7,8]}\n";
    let e = load(timed, ReplayOptions { window_start_ms: Some(5.0), ..opts() }).unwrap_err();
    assert_eq!(e.message, "t.jsonl:3: hash_ids[1]: hash id 8 requested at 88 tokens but was already materialised at 512 tokens (line 2)");
    // a skipped row never fixes a size
    let skipped = "{\"input_length\":700,\"hash_ids\":[7,8],\"x\":1,\"x\":2}\n{\"input_length\":1100,\"hash_ids\":[7,8,9]}\n";
    let d = load(skipped, ReplayOptions { skip_invalid: true, ..opts() }).unwrap();
    assert_eq!((d.turns(), d.skipped().total()), (1, 1));
    // one row using an id at two sizes conflicts with itself
    let e = load("{\"input_length\":700,\"hash_ids\":[5,5]}", opts()).unwrap_err();
    assert_eq!(e.message, "t.jsonl:1: hash_ids[1]: hash id 5 requested at 188 tokens but was already materialised at 512 tokens (line 1)");
}

fn real_dataset(o: ReplayOptions, separator: bool) -> ReplayDataset {
    let mut d = load_chunked(&real_trace(), o, 4 << 20).unwrap();
    with_toy_tables(&mut d, separator);
    d
}

/// The first `k` ids two turns share.
fn shared_prefix(a: &[u64], b: &[u64]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[test]
fn real_trace_prompts_have_the_requested_length_and_share_exactly_their_shared_blocks() {
    let d = real_dataset(opts(), true);
    let bs = 512;
    let n = d.turns() as usize;
    let tokens: Vec<Vec<u32>> = (0..n).map(|t| d.prompt_tokens(t as f64).unwrap()).collect();
    let ids: Vec<Vec<u64>> = (0..n).map(|t| d.turn_hash_ids(t as f64).unwrap()).collect();
    let mut compared = 0;
    let mut later_block_differs = 0;
    for t in 0..n {
        let isl = replay_support::field(&d.turn_json(t as f64).unwrap(), "input_length").parse::<usize>().unwrap();
        // §6.6 property 2: every row of the real trace is consistent, so the count is exact
        assert_eq!(tokens[t].len(), isl, "turn {t}");
        // every block starts with the separator, and only blocks do
        let seps: Vec<usize> = tokens[t].iter().enumerate().filter(|(_, &x)| x == SEP).map(|(i, _)| i).collect();
        assert_eq!(seps, (0..ids[t].len()).map(|k| k * bs).collect::<Vec<_>>(), "turn {t}");
        // §6.6 property 1 against the previous rows with the same first id (a sample)
        for u in t.saturating_sub(20)..t {
            let k = shared_prefix(&ids[t], &ids[u]);
            if k == 0 {
                continue;
            }
            // the first k·bs tokens, or fewer where a shared last block is partial (it has the
            // same size in both rows: the real trace has no size conflict)
            let m = (k * bs).min(tokens[t].len()).min(tokens[u].len());
            assert_eq!(tokens[t][..m], tokens[u][..m], "turns {u} and {t} share {k} ids");
            compared += 1;
            // the next block (full in both) differs: different ids, different corpus offsets
            if k + 1 < ids[t].len() && k + 1 < ids[u].len() {
                later_block_differs += usize::from(tokens[t][k * bs..(k + 1) * bs] != tokens[u][k * bs..(k + 1) * bs]);
            }
        }
    }
    assert!(compared > 10_000, "{compared} pairs");
    assert!(later_block_differs > 1000, "{later_block_differs}: different ids give different blocks");
}

#[test]
fn prompt_text_is_the_bytes_of_the_prompt_tokens() {
    let d = real_dataset(opts(), true);
    for t in (0..d.turns()).step_by(97) {
        let text = d.prompt_text(t as f64).unwrap();
        assert_eq!(text_tokens(&text), d.prompt_tokens(t as f64).unwrap(), "turn {t}");
    }
}

#[test]
fn same_file_seed_and_id_give_the_same_block_and_a_different_seed_or_file_another() {
    let a = real_dataset(opts(), true);
    let b = real_dataset(opts(), true);
    let seeded = real_dataset(ReplayOptions { seed: 1, ..opts() }, true);
    // a different file: one more blank line at the end changes the scope, not a single row
    let mut other_bytes = real_trace();
    other_bytes.push(b'\n');
    let mut other = load_chunked(&other_bytes, opts(), 1 << 20).unwrap();
    with_toy_tables(&mut other, true);
    assert_ne!(a.scope().unwrap(), other.scope().unwrap());
    assert_eq!(a.scope().unwrap(), fnv1a64(&real_trace()));
    let (mut same_seed_diff, mut same_file_diff) = (0, 0);
    let sample: Vec<u64> = (0..a.turns()).step_by(251).collect();
    for &t in &sample {
        let t = t as f64;
        let first_block = |d: &ReplayDataset| d.prompt_tokens(t).unwrap()[..512].to_vec();
        assert_eq!(a.prompt_tokens(t).unwrap(), b.prompt_tokens(t).unwrap());
        same_seed_diff += usize::from(first_block(&a) != first_block(&seeded));
        same_file_diff += usize::from(first_block(&a) != first_block(&other));
    }
    assert_eq!((same_seed_diff, same_file_diff), (sample.len(), sample.len()));
}

#[test]
fn blocks_are_drawn_from_the_specified_streams() {
    // docs/synthesis.md §6.2: block h starts at stream(seed, "infermark/prompt/block", scope, h).below(Ncorp)
    let file = "{\"input_length\": 600, \"hash_ids\": [46, 47]}\n";
    let mut d = load(file, ReplayOptions { seed: 42, ..opts() }).unwrap();
    with_toy_tables(&mut d, false);
    let (corpus, _, _) = toy_tables();
    let scope = fnv1a64(file.as_bytes());
    let at = |label: &str, key: u64| Stream::new(42, label, &[scope, key]).below(corpus.len() as u64) as usize;
    let run = |start: usize, len: usize| (0..len).map(|j| corpus[(start + j) % corpus.len()]).collect::<Vec<u32>>();
    let toks = d.prompt_tokens(0.0).unwrap();
    assert_eq!(toks[..512], run(at(labels::PROMPT_BLOCK, 46), 512)[..]);
    assert_eq!(toks[512..], run(at(labels::PROMPT_BLOCK, 47), 88)[..]);
    // with a separator: [sep] + 511 corpus tokens, and a block used at s tokens is its first s
    with_toy_tables(&mut d, true);
    let toks = d.prompt_tokens(0.0).unwrap();
    assert_eq!((toks[0], toks[512]), (SEP, SEP));
    assert_eq!(toks[1..512], run(at(labels::PROMPT_BLOCK, 46), 511)[..]);
    assert_eq!(toks[513..], run(at(labels::PROMPT_BLOCK, 47), 87)[..]);
}

#[test]
fn prefix_only_rows_pad_and_rows_without_ids_are_fresh_and_private() {
    let file = concat!(
        "{\"input_length\": 1500, \"hash_ids\": [9]}\n",
        "{\"input_length\": 1500, \"hash_ids\": [9]}\n",
        "{\"input_length\": 300}\n",
        "{\"input_length\": 300}\n",
        "{\"input_length\": 0}\n",
        "{\"text_input\": \"verbatim\"}\n",
    );
    let mut d = load(file, opts()).unwrap();
    with_toy_tables(&mut d, true);
    let (corpus, _, _) = toy_tables();
    let scope = fnv1a64(file.as_bytes());
    let at = |label: &str, row: u64| Stream::new(0, label, &[scope, row]).below(corpus.len() as u64) as usize;
    let run = |start: usize, len: usize| (0..len).map(|j| corpus[(start + j) % corpus.len()]).collect::<Vec<u32>>();
    let p: Vec<Vec<u32>> = (0..6).map(|t| d.prompt_tokens(f64::from(t)).unwrap()).collect();
    // prefix_only: the full block, then isl − n·bs pad tokens without separator, per row
    assert_eq!((p[0].len(), p[1].len()), (1500, 1500));
    assert_eq!(p[0][..512], p[1][..512]);
    assert_eq!(p[0][512..], run(at(labels::PROMPT_PAD, 0), 988)[..]);
    assert_eq!(p[1][512..], run(at(labels::PROMPT_PAD, 1), 988)[..]);
    assert_ne!(p[0][512..], p[1][512..]);
    // no hash ids: max(1, isl) fresh tokens, never shared
    assert_eq!(p[2], run(at(labels::PROMPT_FRESH, 2), 300));
    assert_ne!(p[2], p[3]);
    assert!(!p[2].contains(&SEP) && !p[0][512..].contains(&SEP));
    assert_eq!(p[4], run(at(labels::PROMPT_FRESH, 4), 1));
    // verbatim rows are not materialised
    assert!(p[5].is_empty() && d.prompt_text(5.0).unwrap().is_empty());
}

#[test]
fn the_row_index_is_the_turn_index_in_replay_order() {
    // sessions regroup turns: row index 1 is line 3 (session a's second turn)
    let file = concat!(
        "{\"input_length\": 10, \"session_id\": \"a\"}\n",
        "{\"input_length\": 10, \"session_id\": \"b\"}\n",
        "{\"input_length\": 10, \"session_id\": \"a\"}\n",
    );
    let mut d = load(file, opts()).unwrap();
    with_toy_tables(&mut d, true);
    let (corpus, _, _) = toy_tables();
    let scope = fnv1a64(file.as_bytes());
    let start = Stream::new(0, labels::PROMPT_FRESH, &[scope, 1]).below(corpus.len() as u64) as usize;
    assert_eq!(replay_support::field(&d.turn_json(1.0).unwrap(), "line"), "3");
    assert_eq!(d.prompt_tokens(1.0).unwrap(), (0..10).map(|j| corpus[(start + j) % corpus.len()]).collect::<Vec<u32>>());
}

#[test]
fn bad_tables_are_invalid_arguments() {
    let mut d = load("{\"input_length\": 3}", opts()).unwrap();
    let e = d.set_tables(&[7], b"ab", &[0, 1, 2], -1.0).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::InvalidArg, "setTables: corpus token 7 at index 0 is outside the vocabulary of 2 tokens")
    );
    let e = d.set_tables(&[0], b"ab", &[0, 1, 2], 2.5).unwrap_err();
    assert_eq!(e.message, "setTables: separator must be a token id or -1 (none), got 2.5");
    d.set_tables(&[0, 1], b"ab", &[0, 1, 2], -1.0).unwrap();
    assert_eq!(d.prompt_text(0.0).unwrap().len(), 3);
}
