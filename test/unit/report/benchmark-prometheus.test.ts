// The benchmark's own Prometheus metrics (docs/exports.md §13) fed events directly: what each
// series counts, how the phases and error types are labelled, and what the exposition says.
import { describe, expect, it } from 'vitest';
import type { EngineProgress } from '../../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../../ts/src/metrics/raw-record.js';
import type { MetricRecord } from '../../../ts/src/metrics/record-processor.js';
import { BenchmarkPrometheus, HISTOGRAM_BUCKETS, MAX_ERROR_TYPES } from '../../../ts/src/report/benchmark-prometheus.js';
import { parseExposition, sample } from '../../helpers/prometheus-text.js';

const INFO = { version: '1.2.3', benchmarkId: 'run-1', models: ['a/b', 'c'] };

function record(phase: 'warmup' | 'profiling', metrics: MetricRecord['metrics'], errorType: string | null = null): MetricRecord {
  return {
    phase,
    metrics,
    error: errorType === null ? null : { code: 500, type: errorType, message: 'x' },
  } as MetricRecord;
}

function raw(phase: 'warmup' | 'profiling'): RawRequestRecord {
  return { phase } as RawRequestRecord;
}

function progress(phase: 'warmup' | 'profiling', sent: number, inFlight: number): EngineProgress {
  return { phase, sent, completed: 0, errors: 0, inFlight, target: null, elapsedNs: 0n };
}

async function series(m: BenchmarkPrometheus): Promise<Map<string, number>> {
  return parseExposition(await m.render());
}

describe('BenchmarkPrometheus', () => {
  it('exposes every series at 0 before the first request, with the run identified', async () => {
    const s = await series(new BenchmarkPrometheus(INFO));
    expect(sample(s, 'infermark_benchmark_info', { version: '1.2.3', benchmark_id: 'run-1', model: 'a/b,c' })).toBe(1);
    for (const phase of ['warmup', 'profiling']) {
      expect(s.get(`infermark_requests_sent_total{phase="${phase}"}`)).toBe(0);
      expect(s.get(`infermark_requests_completed_total{outcome="success",phase="${phase}"}`)).toBe(0);
      expect(s.get(`infermark_time_to_first_token_seconds_count{phase="${phase}"}`)).toBe(0);
    }
    expect(sample(s, 'infermark_running')).toBe(1);
  });

  it('counts successes, failures by type, tokens and histogram observations in seconds', async () => {
    const m = new BenchmarkPrometheus(INFO);
    m.onMetricRecord(
      record('profiling', {
        time_to_first_token: 40,
        inter_token_latency: 5,
        request_latency: 240,
        schedule_lag: 0.3,
        input_sequence_length: 100,
        output_sequence_length: 41,
        reasoning_token_count: 10,
      }),
    );
    m.onMetricRecord(record('profiling', { request_latency: 90, input_sequence_length: 50, output_sequence_length: 7 }));
    m.onMetricRecord(record('profiling', { error_isl: 30 }, 'TimeoutError'));
    m.onMetricRecord(record('warmup', { time_to_first_token: 1000, input_sequence_length: 1, output_sequence_length: 1 }));
    const s = await series(m);
    const p = { phase: 'profiling' };
    expect(sample(s, 'infermark_requests_completed_total', { ...p, outcome: 'success' })).toBe(2);
    expect(sample(s, 'infermark_requests_completed_total', { ...p, outcome: 'error' })).toBe(1);
    expect(sample(s, 'infermark_request_errors_total', { ...p, error_type: 'TimeoutError' })).toBe(1);
    // A failure's tokens are not in the summary's totals, so not here either.
    expect(sample(s, 'infermark_input_tokens_total', p)).toBe(150);
    expect(sample(s, 'infermark_output_tokens_total', p)).toBe(48);
    expect(sample(s, 'infermark_reasoning_tokens_total', p)).toBe(10);
    expect(sample(s, 'infermark_time_to_first_token_seconds_count', p)).toBe(1);
    expect(sample(s, 'infermark_time_to_first_token_seconds_sum', p)).toBeCloseTo(0.04, 12);
    expect(sample(s, 'infermark_time_to_first_token_seconds_bucket', { ...p, le: '0.025' })).toBe(0);
    expect(sample(s, 'infermark_time_to_first_token_seconds_bucket', { ...p, le: '0.05' })).toBe(1);
    expect(sample(s, 'infermark_request_latency_seconds_count', p)).toBe(2);
    expect(sample(s, 'infermark_request_latency_seconds_sum', p)).toBeCloseTo(0.33, 12);
    expect(sample(s, 'infermark_inter_token_latency_seconds_bucket', { ...p, le: '0.005' })).toBe(1);
    expect(sample(s, 'infermark_schedule_lag_seconds_bucket', { ...p, le: '0.0005' })).toBe(1);
    expect(sample(s, 'infermark_time_to_first_token_seconds_count', { phase: 'warmup' })).toBe(1);
    expect(sample(s, 'infermark_input_tokens_total', { phase: 'warmup' })).toBe(1);
  });

  it(`keeps ${MAX_ERROR_TYPES} error types per phase and counts later new ones as "other"`, async () => {
    const m = new BenchmarkPrometheus(INFO);
    for (let i = 0; i < MAX_ERROR_TYPES + 5; i++) m.onMetricRecord(record('profiling', {}, `server said ${i}`));
    m.onMetricRecord(record('profiling', {}, 'server said 0'));
    const s = await series(m);
    const p = { phase: 'profiling' };
    expect(sample(s, 'infermark_request_errors_total', { ...p, error_type: 'server said 0' })).toBe(2);
    expect(sample(s, 'infermark_request_errors_total', { ...p, error_type: `server said ${MAX_ERROR_TYPES - 1}` })).toBe(1);
    expect(sample(s, 'infermark_request_errors_total', { ...p, error_type: 'other' })).toBe(5);
  });

  it('counts sends from the engine progress per phase, never below the requests that ended', async () => {
    const m = new BenchmarkPrometheus(INFO);
    m.onPhaseStart('warmup');
    m.onProgress(progress('warmup', 3, 3));
    let s = await series(m);
    expect(sample(s, 'infermark_phase', { phase: 'warmup' })).toBe(1);
    expect(sample(s, 'infermark_requests_in_flight')).toBe(3);
    m.onPhaseStart('profiling');
    // The engine's running total starts again at the phase start.
    m.onProgress(progress('profiling', 2, 2));
    m.onProgress(progress('profiling', 5, 4));
    for (let i = 0; i < 7; i++) m.onRecord(raw('profiling'));
    m.onProgress(progress('profiling', 6, 1));
    s = await series(m);
    expect(sample(s, 'infermark_phase', { phase: 'warmup' })).toBe(0);
    expect(sample(s, 'infermark_phase', { phase: 'profiling' })).toBe(1);
    expect(sample(s, 'infermark_requests_sent_total', { phase: 'warmup' })).toBe(3);
    expect(sample(s, 'infermark_requests_sent_total', { phase: 'profiling' })).toBe(7);
    m.onEngineDone();
    s = await series(m);
    expect(sample(s, 'infermark_requests_in_flight')).toBe(0);
    expect(sample(s, 'infermark_running')).toBe(0);
  });

  it('uses increasing bucket bounds', () => {
    for (const bounds of Object.values(HISTOGRAM_BUCKETS)) {
      expect([...bounds].sort((a, b) => a - b)).toEqual([...bounds]);
      expect(new Set(bounds).size).toBe(bounds.length);
    }
  });
});
