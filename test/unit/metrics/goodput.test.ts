import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { meetsSlos, parseGoodput } from '../../../ts/src/metrics/goodput.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('--goodput parsing', () => {
  it('accepts space-separated pairs and repeated flags', () => {
    expect(parseGoodput(['time_to_first_token:120 inter_token_latency:25', 'request_latency:1e3'], { streaming: true })).toEqual({
      time_to_first_token: 120,
      inter_token_latency: 25,
      request_latency: 1000,
    });
  });

  it('names an unknown tag and lists the allowed ones', () => {
    expect(message(() => parseGoodput(['ttft:100'], { streaming: true }))).toBe(
      "option '--goodput': unknown metric 'ttft' (allowed: time_to_first_token, time_to_second_token, time_to_first_output_token, request_latency, inter_token_latency, effective_latency, output_token_throughput_per_user, e2e_output_token_throughput, input_sequence_length, output_sequence_length)",
    );
  });

  it('requires --streaming for streaming-only tags', () => {
    expect(message(() => parseGoodput(['time_to_first_token:100'], { streaming: false }))).toBe(
      "option '--goodput': 'time_to_first_token' requires --streaming",
    );
    expect(parseGoodput(['request_latency:100'], { streaming: false })).toEqual({ request_latency: 100 });
  });

  it('rejects malformed pairs and non-positive values', () => {
    expect(message(() => parseGoodput(['request_latency'], { streaming: true }))).toBe(
      "option '--goodput': expected 'tag:value', got 'request_latency'",
    );
    expect(message(() => parseGoodput(['request_latency:'], { streaming: true }))).toBe(
      "option '--goodput': expected 'tag:value', got 'request_latency:'",
    );
    expect(message(() => parseGoodput(['request_latency:abc'], { streaming: true }))).toBe(
      "option '--goodput': expected a positive number for 'request_latency', got 'abc'",
    );
    expect(message(() => parseGoodput(['request_latency:0'], { streaming: true }))).toBe(
      "option '--goodput': expected a positive number for 'request_latency', got '0'",
    );
    expect(message(() => parseGoodput(['  '], { streaming: true }))).toBe("option '--goodput': expected 'tag:value' pairs, got '  '");
    expect(message(() => parseGoodput(['request_latency:1 request_latency:2'], { streaming: true }))).toBe(
      "option '--goodput': metric 'request_latency' given twice",
    );
  });
});

describe('SLO directions', () => {
  it('passes latencies at or below the threshold and throughputs at or above', () => {
    const slos = { request_latency: 100, output_token_throughput_per_user: 50, output_sequence_length: 10 };
    expect(meetsSlos({ request_latency: 100, output_token_throughput_per_user: 50, output_sequence_length: 10 }, slos)).toBe(true);
    expect(meetsSlos({ request_latency: 100.0001, output_token_throughput_per_user: 50, output_sequence_length: 10 }, slos)).toBe(false);
    expect(meetsSlos({ request_latency: 1, output_token_throughput_per_user: 49.99, output_sequence_length: 10 }, slos)).toBe(false);
    expect(meetsSlos({ request_latency: 1, output_token_throughput_per_user: 60, output_sequence_length: 9 }, slos)).toBe(false);
  });

  it('treats a missing SLO metric as not good', () => {
    expect(meetsSlos({ request_latency: 1 }, { request_latency: 10, inter_token_latency: 5 })).toBe(false);
  });

  it('compares in display units (ms), not ns or seconds', () => {
    // A 0.12 s TTFT is 120 ms: passes 120, fails 119.
    expect(meetsSlos({ time_to_first_token: 120 }, { time_to_first_token: 120 })).toBe(true);
    expect(meetsSlos({ time_to_first_token: 120 }, { time_to_first_token: 119 })).toBe(false);
  });
});
