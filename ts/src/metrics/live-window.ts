// The live dashboard's sliding window (docs/cli.md §3.5): throughput and TTFT / ITL / latency
// percentiles over the requests that ended in the last N seconds. Records go into a fixed ring
// buffer (struct of typed arrays), so memory is bounded whatever the run's length and each record
// costs O(1); the percentiles are computed once per snapshot (once a second), over at most the
// ring's capacity.
import { percentileLinear } from './stats.js';

/** The live window's length (docs/cli.md §3.5). */
export const LIVE_WINDOW_MS = 10_000;
/** Records kept at most: beyond this many in one window (6,553 requests/s), the newest are used. */
export const LIVE_WINDOW_CAPACITY = 65_536;

/** One finished request as the window needs it; a metric the request has not is NaN. */
export interface LiveSample {
  /** Wall-clock ms when it ended. */
  endMs: number;
  ttftMs: number;
  itlMs: number;
  latencyMs: number;
  /** Output tokens of a success (0 for a failure). */
  outputTokens: number;
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  /** Requests with a value in the window. */
  count: number;
}

export interface WindowSnapshot {
  /** The span the rates are over: the window, or less while the phase is younger than it. */
  spanSec: number;
  requests: number;
  requestsPerSec: number;
  outputTokensPerSec: number;
  ttft: Percentiles | null;
  itl: Percentiles | null;
  latency: Percentiles | null;
}

export class LiveWindow {
  readonly #windowMs: number;
  readonly #capacity: number;
  readonly #end: Float64Array;
  readonly #ttft: Float64Array;
  readonly #itl: Float64Array;
  readonly #latency: Float64Array;
  readonly #tokens: Float64Array;
  /** Index of the oldest record kept. */
  #tail = 0;
  #size = 0;
  #tokenSum = 0;
  /** Wall ms the phase began: rates are over min(window, time since then). */
  #sinceMs: number;

  constructor(options: { windowMs?: number; capacity?: number; startMs?: number } = {}) {
    this.#windowMs = options.windowMs ?? LIVE_WINDOW_MS;
    this.#capacity = options.capacity ?? LIVE_WINDOW_CAPACITY;
    this.#end = new Float64Array(this.#capacity);
    this.#ttft = new Float64Array(this.#capacity);
    this.#itl = new Float64Array(this.#capacity);
    this.#latency = new Float64Array(this.#capacity);
    this.#tokens = new Float64Array(this.#capacity);
    this.#sinceMs = options.startMs ?? Date.now();
  }

  /** Forget every record (a new phase begins at `startMs`). */
  reset(startMs: number): void {
    this.#tail = 0;
    this.#size = 0;
    this.#tokenSum = 0;
    this.#sinceMs = startMs;
  }

  get size(): number {
    return this.#size;
  }

  /** O(1): a full ring drops its oldest record. Records are expected in about the order they ended. */
  add(s: LiveSample): void {
    if (this.#size === this.#capacity) this.#dropOldest();
    const i = (this.#tail + this.#size) % this.#capacity;
    this.#end[i] = s.endMs;
    this.#ttft[i] = s.ttftMs;
    this.#itl[i] = s.itlMs;
    this.#latency[i] = s.latencyMs;
    this.#tokens[i] = s.outputTokens;
    this.#tokenSum += s.outputTokens;
    this.#size++;
  }

  #dropOldest(): void {
    this.#tokenSum -= this.#tokens[this.#tail]!;
    this.#tail = (this.#tail + 1) % this.#capacity;
    this.#size--;
  }

  /** The window ending at `nowMs`: records that ended before its start are dropped for good. */
  snapshot(nowMs: number): WindowSnapshot {
    const cutoff = nowMs - this.#windowMs;
    while (this.#size > 0 && this.#end[this.#tail]! < cutoff) this.#dropOldest();
    // A float sum that has added and removed many values drifts; an empty window resets it.
    if (this.#size === 0) this.#tokenSum = 0;
    const spanSec = Math.max(0.001, Math.min(this.#windowMs, nowMs - this.#sinceMs)) / 1000;
    return {
      spanSec,
      requests: this.#size,
      requestsPerSec: this.#size / spanSec,
      outputTokensPerSec: this.#tokenSum / spanSec,
      ttft: this.#percentiles(this.#ttft),
      itl: this.#percentiles(this.#itl),
      latency: this.#percentiles(this.#latency),
    };
  }

  #percentiles(column: Float64Array): Percentiles | null {
    const values = new Float64Array(this.#size);
    let n = 0;
    for (let k = 0; k < this.#size; k++) {
      const v = column[(this.#tail + k) % this.#capacity]!;
      if (!Number.isNaN(v)) values[n++] = v;
    }
    if (n === 0) return null;
    // A typed array sorts numerically.
    const sorted = values.subarray(0, n).sort();
    return { p50: percentileLinear(sorted, 50), p90: percentileLinear(sorted, 90), p99: percentileLinear(sorted, 99), count: n };
  }
}
