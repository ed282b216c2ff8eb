// The worked examples of docs/trace-analysis.md §7 (inputs and expected values), shared by the
// backend suite, the console tests and the CLI e2e tests.

export const EXAMPLE_A = `${[
  '{"timestamp":0,   "input_length":1200,"output_length":100,"hash_ids":[1,2,3]}',
  '{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}',
  '{"timestamp":2001,"input_length":600, "output_length":50, "hash_ids":[1,5]}',
  '{"timestamp":3000,"input_length":1024,"output_length":300,"hash_ids":[1,2]}',
].join('\n')}\n`;

/** §7.1: the complete analysis.json of Example A (no trailing newline). */
export const EXAMPLE_A_JSON = `{
  "total_requests": 4,
  "unique_prefixes": 5,
  "num_prefix_groups": 1,
  "cache_hit_rate": 0.5416666666666666,
  "min_isl": 600,
  "max_isl": 1200,
  "avg_isl": 981.0,
  "min_osl": 50,
  "max_osl": 300,
  "avg_osl": 162.5,
  "prefix_reuse_ratio": 0.7,
  "isl_stats": {
    "mean": 981.0,
    "std_dev": 228.65476159485505,
    "min": 600.0,
    "p25": 918.0,
    "median": 1062.0,
    "p75": 1125.0,
    "max": 1200.0
  },
  "osl_stats": {
    "mean": 162.5,
    "std_dev": 96.0143218483576,
    "min": 50.0,
    "p25": 87.5,
    "median": 150.0,
    "p75": 225.0,
    "max": 300.0
  },
  "context_length_stats": {
    "mean": 896.0,
    "std_dev": 221.70250336881628,
    "min": 512.0,
    "p25": 896.0,
    "median": 1024.0,
    "p75": 1024.0,
    "max": 1024.0
  },
  "unique_prompt_length_stats": {
    "mean": 85.0,
    "std_dev": 62.44197306299666,
    "min": 0.0,
    "p25": 57.0,
    "median": 82.0,
    "p75": 110.0,
    "max": 176.0
  },
  "hit_rate_stats": {
    "mean": 0.5416666666666666,
    "std_dev": 0.3608439182435161,
    "min": 0.0,
    "p25": 0.375,
    "median": 0.5833333333333333,
    "p75": 0.75,
    "max": 1.0
  },
  "block_size": 512,
  "skipped_invalid_rows": 0,
  "rows_without_hash_ids": 0,
  "rows_without_input_length": 0,
  "rows_without_timestamp": 0,
  "inconsistent_rows": 0,
  "inconsistent_row_examples": [],
  "token_weighted_hit_rate": 0.6523955147808359,
  "sessions": 4,
  "multi_turn_sessions": 0,
  "duration_ms": 3000,
  "request_rate_stats": {
    "mean": 1.3333333333333333,
    "std_dev": 0.4714045207910317,
    "min": 1.0,
    "p25": 1.0,
    "median": 1.0,
    "p75": 1.5,
    "max": 2.0
  }
}`;

/** §7.1: Example A's console report without colour, exactly as printed on stdout. */
export const EXAMPLE_A_CONSOLE = `
Trace Analysis Report
Total requests:   4
Unique prefixes:  5
Prefix groups:    1
Cache hit rate:   54.2%
Prefix reuse ratio: 70.0%

                                       Trace Statistics
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳━━━━━━━━━┳━━━━━━━━┳━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┳━━━━━━━━━━┓
┃                Metric ┃   Mean ┃ Std Dev ┃    Min ┃    P25 ┃   Median ┃      P75 ┃      Max ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇━━━━━━━━━╇━━━━━━━━╇━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━╇━━━━━━━━━━┩
│          Input Length │ 981.00 │  228.65 │ 600.00 │ 918.00 │ 1,062.00 │ 1,125.00 │ 1,200.00 │
│        Context Length │ 896.00 │  221.70 │ 512.00 │ 896.00 │ 1,024.00 │ 1,024.00 │ 1,024.00 │
│  Unique Prompt Length │  85.00 │   62.44 │   0.00 │  57.00 │    82.00 │   110.00 │   176.00 │
│         Output Length │ 162.50 │   96.01 │  50.00 │  87.50 │   150.00 │   225.00 │   300.00 │
│ Theoretical Hit Rates │   0.54 │    0.36 │   0.00 │   0.38 │     0.58 │     0.75 │     1.00 │
└───────────────────────┴────────┴─────────┴────────┴────────┴──────────┴──────────┴──────────┘

`;

export const EXAMPLE_B = `${[
  '{"timestamp":0,  "input_length":1536,"output_length":10,"hash_ids":[10,11,12]}',
  '{"timestamp":0,  "input_length":1400,"output_length":20,"hash_ids":[20,11,12]}',
  '{"timestamp":500,"input_length":700, "output_length":30,"hash_ids":[10,12]}',
  '{"timestamp":900,"input_length":100, "output_length":40,"hash_ids":[30]}',
].join('\n')}\n`;

export const EXAMPLE_C = `${[
  '{"input_length":300,"output_length":10}',
  '{"input_length":700,"output_length":20,"hash_ids":[7,8]}',
  '{"input_length":700,"hash_ids":[7,8]}',
].join('\n')}\n`;

function exampleD(): string {
  const hashes = [
    [0, 1],
    [0, 1, 2, 3, 4],
    [0, 1, 2, 3, 4, 5, 6],
    [7, 8],
    [7, 8, 9, 10],
    [11, 12],
  ];
  const isl = [1024, 2500, 3400, 1024, 1900, 600];
  const osl = [10, 20, 30, 40, 50, 60];
  const ts = [0, 0, 1000, 1000, 1000, 3000];
  return `${hashes.map((h, i) => JSON.stringify({ timestamp: ts[i], input_length: isl[i], output_length: osl[i], hash_ids: h })).join('\n')}\n`;
}
export const EXAMPLE_D = exampleD();

/** §7.6: no hash ids at all. */
export const EXAMPLE_NO_HASH = '{"input_length":10,"output_length":3}\n{"input_length":20}\n';

/** (mean, std_dev, p25, median, p75) as the spec lists them. */
export type Five = [number, number, number, number, number];

/** docs/trace-format.md §4.4's mixed file `t.jsonl`. */
export const FORMAT_EXAMPLE_T = `${[
  '{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}',
  '',
  '{"timestamp": 10, "input_length": "abc", "output_length": 26}',
  '{"timestamp": 20, "input_length": 672, "hash_ids": [46, -1]}',
  '[1, 2]',
  '{"timestamp": 30, "text_input": "hi", "input_length": 5}',
  '{"input_tokens": 100, "output_tokens": 7, "created_time": 40.5}',
].join('\n')}\n`;

/** docs/trace-format.md §7.2's `g.jsonl`. */
export const FORMAT_EXAMPLE_G = `${[
  '{"timestamp": 0, "input_length": 20,   "output_length": 5, "hash_ids": [0, 1]}',
  '{"timestamp": 5, "input_length": 1500, "output_length": 5, "hash_ids": [0]}',
  '{"timestamp": 9, "input_length": 600,  "output_length": 5, "hash_ids": [0, 2]}',
].join('\n')}\n`;

/** Path of the real Mooncake trace relative to the repository root. */
export const REAL_TRACE = '../shared/data/mooncake/conversation_trace.jsonl';
