// Ground-truth request recorder (docs/serve-mock.md §8): JSONL per request plus a per-endpoint summary.
import { type WriteStream, createWriteStream, openSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { RuntimeFailure } from '../errors.js';
import { osReason } from '../io/os-reason.js';

export interface RequestRecord {
  ts: number;
  request_num: number;
  endpoint: string;
  model: string;
  stream: boolean;
  prompt_tokens: number;
  cached_tokens: number | null;
  max_tokens: number | null;
  max_completion_tokens: number | null;
  min_tokens: number | null;
  ignore_eos: boolean;
  output_tokens: number;
  reasoning_tokens: number;
  finish_reason: string | null;
  queue_ms: number | null;
  ttft_ms: number | null;
  e2e_ms: number;
  replica: number;
  error: string | null;
}

export interface Distribution {
  min: number;
  max: number;
  mean: number;
  std: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

export interface EndpointSummary {
  count: number;
  streamed: number;
  errors: number;
  prompt_tokens: Distribution | null;
  output_tokens: Distribution | null;
  ttft_ms: Distribution | null;
  e2e_ms: Distribution | null;
}

export type RecorderSummary = Record<string, EndpointSummary>;

interface Columns {
  count: number;
  streamed: number;
  errors: number;
  prompt: number[];
  output: number[];
  ttft: number[];
  e2e: number[];
}

/** Distribution with linearly interpolated percentiles (numpy's default) and population std. */
export function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) * (v - mean);
  const q = (p: number): number => {
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
  };
  return { min: sorted[0]!, max: sorted[n - 1]!, mean, std: Math.sqrt(sq / n), p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) };
}

export class Recorder {
  private readonly out: WriteStream | null;
  private readonly columns = new Map<string, Columns>();

  constructor(private readonly path: string | undefined) {
    // Opened synchronously so that an unwritable path is one error at startup, not an
    // unhandled stream 'error' event (a stack trace) after the server is already listening.
    let fd: number | null = null;
    if (path) {
      try {
        fd = openSync(path, 'a');
      } catch (err) {
        throw new RuntimeFailure(`cannot write output file: ${path}: ${osReason(err)}`, { cause: err });
      }
    }
    this.out = path && fd !== null ? createWriteStream(path, { fd }) : null;
  }

  record(r: RequestRecord): void {
    this.out?.write(`${JSON.stringify(r)}\n`);
    let c = this.columns.get(r.endpoint);
    if (!c) {
      c = { count: 0, streamed: 0, errors: 0, prompt: [], output: [], ttft: [], e2e: [] };
      this.columns.set(r.endpoint, c);
    }
    c.count++;
    if (r.stream) c.streamed++;
    if (r.error !== null) c.errors++;
    c.prompt.push(r.prompt_tokens);
    c.output.push(r.output_tokens);
    if (r.ttft_ms !== null) c.ttft.push(r.ttft_ms);
    c.e2e.push(r.e2e_ms);
  }

  summary(): RecorderSummary {
    const out: RecorderSummary = {};
    for (const [endpoint, c] of this.columns) {
      out[endpoint] = {
        count: c.count,
        streamed: c.streamed,
        errors: c.errors,
        prompt_tokens: distribution(c.prompt),
        output_tokens: distribution(c.output),
        ttft_ms: distribution(c.ttft),
        e2e_ms: distribution(c.e2e),
      };
    }
    return out;
  }

  /** Flush the JSONL and write `PATH.summary.json`. */
  async close(): Promise<void> {
    if (!this.out || !this.path) return;
    const out = this.out;
    await new Promise<void>((resolve) => out.end(resolve));
    writeFileAtomicSync(`${this.path}.summary.json`, `${JSON.stringify(this.summary(), null, 2)}\n`);
  }
}
