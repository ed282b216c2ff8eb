// input_config (docs/exports.md §4.1) for file datasets, the fixed schedule, the in-memory transform
// and the user-centric mode.
import { describe, expect, it } from 'vitest';
import { resolveProfileConfig, withDatasetFacts, type ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { inputConfigOf } from '../../../ts/src/report/input-config.js';

const TOKENIZER = { name: 'builtin', resolvedPath: 'builtin:qwen3' };
const resolve = (o: Partial<ProfileOptions>) => resolveProfileConfig({ model: ['m'], ...o }, 'infermark profile');
const REPORT = { mode: 'transform', rows_in: 3, rows_out: 3, summary: 'synthesize (transform): 3 rows in, 3 rows out; …' };

describe('input_config.input for an --input-file', () => {
  it('names the file, its resolved type, the window, the transform flags and report, and the skipped rows', () => {
    const config = withDatasetFacts(
      resolve({
        inputFile: 'trace.jsonl',
        skipInvalid: true,
        blockSize: 16,
        osl: 64,
        fixedScheduleStartOffset: 100,
        fixedScheduleEndOffset: 900,
        synthesisSpeedupRatio: '2.5',
        synthesisPrefixRootMultiplier: 3,
      }),
      { type: 'mooncake_trace', turns: 3, firstRowHasTimestamp: true, firstTurnsTimestamped: true },
    );
    const input = inputConfigOf(config, TOKENIZER, { synthesisReport: REPORT, skippedInvalidRows: 2 }).input;
    expect(input).toEqual({
      file: 'trace.jsonl',
      custom_dataset_type: 'mooncake_trace',
      skip_invalid: true,
      block_size: 16,
      random_seed: 0n,
      num_dataset_entries: null,
      prompt: {
        input_tokens: { mean: null, stddev: null },
        output_tokens: { mean: 64, stddev: null },
        batch_size: null,
        prefix_prompt: { pool_size: null, length: null },
        system_prompt_file: null,
        sequence_distribution: null,
      },
      rankings: null,
      fixed_schedule: true,
      fixed_schedule_auto_offset: false,
      fixed_schedule_start_offset: 100,
      fixed_schedule_end_offset: 900,
      synthesis: {
        speedup_ratio: 2.5,
        prefix_len_multiplier: null,
        prefix_root_multiplier: 3,
        prompt_len_multiplier: null,
        output_len_multiplier: null,
        max_isl: null,
        max_osl: null,
      },
      synthesis_report: REPORT,
      skipped_invalid_rows: 2,
      goodput: null,
    });
  });

  it('writes the automatic offset of a fixed schedule, and no transform when no --synthesis-* was given', () => {
    const config = withDatasetFacts(resolve({ inputFile: 't.jsonl' }), {
      type: 'mooncake_trace',
      turns: 3,
      firstRowHasTimestamp: true,
      firstTurnsTimestamped: true,
    });
    const ic = inputConfigOf(config, TOKENIZER, { synthesisReport: null, skippedInvalidRows: 0 });
    expect(ic.input).toMatchObject({ fixed_schedule: true, fixed_schedule_auto_offset: true, synthesis: null, synthesis_report: null });
    expect(ic.input['skipped_invalid_rows']).toBe(0);
    expect(ic.loadgen).toMatchObject({ request_count: 3, concurrency: null, session_turns_mean: null });
  });

  it('keeps the synthetic fields of a synthetic run, and no file fields', () => {
    const input = inputConfigOf(resolve({ isl: 100 }), TOKENIZER).input;
    expect(input).toMatchObject({
      file: null,
      custom_dataset_type: null,
      skip_invalid: false,
      block_size: null,
      num_dataset_entries: 100,
      prompt: { input_tokens: { mean: 100, stddev: 0 }, output_tokens: { mean: null, stddev: 0 } },
      fixed_schedule: false,
      fixed_schedule_auto_offset: null,
      skipped_invalid_rows: null,
    });
  });

  it('writes the embeddings batch size, and the query and passage shape of a rankings run', () => {
    expect(inputConfigOf(resolve({ endpointType: 'embeddings', promptBatchSize: 8 }), TOKENIZER).input).toMatchObject({
      prompt: { batch_size: 8 },
      rankings: null,
    });
    const rankings = inputConfigOf(
      resolve({ endpointType: 'nim-rankings', rankingsPassagesMean: 5, rankingsPassagesStddev: 1, rankingsQueryPromptTokenMean: 20 }),
      TOKENIZER,
    ).input;
    expect(rankings.rankings).toEqual({
      passages: { mean: 5, stddev: 1 },
      passage_tokens: { mean: 550, stddev: 0 },
      query_tokens: { mean: 20, stddev: 0 },
    });
  });
});

describe('input_config.loadgen for the user-centric mode', () => {
  it('writes the rate and the users', () => {
    const ic = inputConfigOf(resolve({ userCentricRate: 4, numUsers: 8, sessionTurnsMean: 3, requestCount: 40 }), TOKENIZER);
    expect(ic.loadgen).toMatchObject({ user_centric_rate: 4, num_users: 8, request_rate: null, session_turns_mean: 3, request_count: 40 });
    expect(inputConfigOf(resolve({}), TOKENIZER).loadgen).toMatchObject({ user_centric_rate: null, num_users: null });
  });
});

describe('input_config.loadgen for load shaping', () => {
  it('reports the shaping flags as given and null for those not set', () => {
    const ic = inputConfigOf(
      resolve({
        streaming: true,
        concurrency: 8,
        prefillConcurrency: 2,
        concurrencyRampDuration: 5,
        warmupRequestCount: 4,
        warmupConcurrency: 2,
      }),
      TOKENIZER,
    );
    expect(ic.loadgen).toMatchObject({
      prefill_concurrency: 2,
      concurrency_ramp_duration: 5,
      warmup_concurrency: 2,
      warmup_request_rate: null,
      request_rate_ramp_duration: null,
    });
  });
});
