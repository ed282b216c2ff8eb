// Seeded runs of a few thousand processed records for the record-store tests: successes with and
// without a second token, usage or reasoning, failures of several kinds (cancellations included),
// requests that waited for a slot, intended send times, materialised trace rows.
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import type { MetricRecord } from '../../ts/src/metrics/record-processor.js';
import { chatDelta, DONE, processor, raw } from '../unit/metrics/fixtures.js';

/** mulberry32: a small seeded generator, enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ERRORS = [
  { code: 500, type: 'HTTPError', message: 'Internal Server Error' },
  { code: 429, type: 'HTTPError', message: 'Too Many Requests' },
  { code: null, type: 'RequestCancellationError', message: 'cancelled by --request-cancellation-rate' },
  { code: null, type: 'TimeoutError', message: 'request timed out' },
];

export interface SeededRunOptions {
  seed: number;
  count: number;
  /** Share of failed requests (default 0.1). */
  errorRate?: number;
  /** Intended send times (open loop / fixed schedule). */
  scheduled?: boolean;
}

/** Raw records of a seeded run: starts spread over ~30 s, responses of 1–12 chunks with ties. */
export function seededRawRecords(o: SeededRunOptions): RawRequestRecord[] {
  const rand = seededRandom(o.seed);
  const out: RawRequestRecord[] = [];
  for (let n = 0; n < o.count; n++) {
    const startMs = Math.round(rand() * 30_000 * 1000) / 1000;
    const isl = 1 + Math.floor(rand() * 40);
    const scheduledMs = o.scheduled ? startMs - Math.round(rand() * 5000) / 1000 : null;
    const waitedForSlot = rand() < 0.1;
    if (rand() < (o.errorRate ?? 0.1)) {
      const error = ERRORS[Math.floor(rand() * ERRORS.length)]!;
      out.push(raw({ requestNum: n, startMs, endMs: startMs + rand() * 100, isl, error, scheduledMs, waitedForSlot }));
      continue;
    }
    const chunks = 1 + Math.floor(rand() * 12);
    const events: Array<[number, string]> = [];
    let t = startMs + 5 + rand() * 200;
    for (let i = 0; i < chunks; i++) {
      const words = 1 + Math.floor(rand() * 3);
      events.push([t, chatDelta(' w'.repeat(words))]);
      // Ties (several events in one network chunk) and whole-ms steps.
      if (rand() < 0.7) t += rand() < 0.5 ? Math.round(rand() * 20) : rand() * 30;
    }
    if (rand() < 0.3) {
      const prompt = isl + Math.floor(rand() * 3);
      const completion = 1 + Math.floor(rand() * 30);
      events.push([
        t,
        JSON.stringify({
          id: 'x',
          choices: [],
          usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
        }),
      ]);
    }
    events.push([t, DONE]);
    const r = raw({
      requestNum: n,
      startMs,
      events,
      endMs: t + rand(),
      isl,
      requestedOsl: rand() < 0.5 ? 1 + Math.floor(rand() * 30) : null,
      creditMs: startMs - rand() * 2,
      scheduledMs,
      waitedForSlot,
      connectionResends: rand() < 0.02 ? 1 : 0,
    });
    if (rand() < 0.2) {
      r.materialised = true;
      r.requestedIsl = isl + Math.floor(rand() * 3) - 1;
      r.clientIsl = null;
    }
    out.push(r);
  }
  return out;
}

/** The same run processed into metric records (word-count tokenizer), in batches of 256. */
export async function seededRecords(o: SeededRunOptions, openLoop = false, fixedSchedule = false): Promise<MetricRecord[]> {
  const p = processor({ openLoop, fixedSchedule });
  const raws = seededRawRecords(o);
  const out: MetricRecord[] = [];
  for (let i = 0; i < raws.length; i += 256) out.push(...(await p.processBatch(raws.slice(i, i + 256))));
  return out;
}
