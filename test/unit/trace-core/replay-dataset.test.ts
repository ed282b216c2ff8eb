// ReplayDataset through both backends (docs/synthesis.md §6): native and WASM hold the same
// dataset and build byte-identical prompts, errors carry file/line/field on both, a dataset
// rebuilt from the other backend's bytes is the same, and two separate processes build the same
// prompts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, ReplayDataset, TraceCoreError, packageRoot, type BackendName } from '../../../ts/src/index.js';
import { REAL_TRACE } from '../../bindings/examples.js';

const realTrace = (): Uint8Array => readFileSync(resolve(packageRoot(), REAL_TRACE));

/**
 * A toy vocabulary whose tokens include the bytes of multi-byte UTF-8 characters split across
 * tokens (so lossy decoding is exercised): token t is `<t>`, except that every 7th token is a
 * lone byte of "€" (E2 82 AC) or "é" (C3 A9).
 */
function toyTables(): { corpus: Uint32Array; tokenBytes: Uint8Array; tokenOffsets: Uint32Array; separator: number } {
  const vocab = 4000;
  const lone = [0xe2, 0x82, 0xac, 0xc3, 0xa9];
  const bytes: number[] = [];
  const offsets = [0];
  for (let t = 0; t < vocab; t++) {
    if (t % 7 === 3) bytes.push(lone[t % lone.length]!);
    else for (const b of Buffer.from(`<${t}>`)) bytes.push(b);
    offsets.push(bytes.length);
  }
  const corpus = Uint32Array.from({ length: 30_000 }, (_, i) => ((i * 2_654_435_761) >>> 7) % (vocab - 1));
  return { corpus, tokenBytes: Uint8Array.from(bytes), tokenOffsets: Uint32Array.from(offsets), separator: vocab - 1 };
}

function load(backend: BackendName, data: Uint8Array, options: { seed?: string; skipInvalid?: boolean } = {}): ReplayDataset {
  const d = new ReplayDataset({ backend, sourceName: 'trace.jsonl', ...options });
  for (let offset = 0; offset < data.length; offset += 1 << 20) d.push(data.subarray(offset, offset + (1 << 20)));
  d.finish();
  const t = toyTables();
  d.setTables(t.corpus, t.tokenBytes, t.tokenOffsets, t.separator);
  return d;
}

/** Every 401st turn of the real trace, and its last. */
const SAMPLE = [...Array.from({ length: 30 }, (_, i) => i * 401), 12_030];

describe('ReplayDataset on both backends', () => {
  it('holds the same real trace and builds byte-identical prompts', () => {
    const data = realTrace();
    const [native, wasm] = BACKEND_NAMES.map((b) => load(b, data));
    expect(native!.backend).toBe('native');
    expect(wasm!.backend).toBe('wasm');
    expect(wasm!.summaryJson()).toBe(native!.summaryJson());
    const summary = native!.summary();
    expect(summary).toMatchObject({
      dataset_type: 'mooncake_trace',
      rows: 12_031,
      turns: 12_031,
      skipped_invalid_rows: 0,
      synthesis_report: null,
    });
    expect(wasm!.memoryBytes).toBe(native!.memoryBytes);
    expect(Buffer.from(wasm!.timestamps().buffer)).toEqual(Buffer.from(native!.timestamps().buffer));
    expect(wasm!.sessionStart()).toEqual(native!.sessionStart());
    let lossy = 0;
    for (const t of SAMPLE) {
      const text = native!.promptText(t);
      expect(wasm!.promptText(t)).toBe(text);
      expect(wasm!.promptTokens(t)).toEqual(native!.promptTokens(t));
      expect(wasm!.turnJson(t)).toBe(native!.turnJson(t));
      // the token count is the row's input_length (every real row is consistent)
      expect(native!.promptTokens(t).length).toBe(JSON.parse(native!.turnJson(t)).input_length);
      if (text.includes('\uFFFD')) lossy++;
    }
    expect(lossy).toBeGreaterThan(SAMPLE.length / 2);
  });

  it('rebuilds from bytes across backends: native bytes give WASM byte-identical prompts, and back', () => {
    const data = realTrace();
    const [native, wasm] = BACKEND_NAMES.map((b) => load(b, data, { seed: '3' }));
    const bytes = native!.toBytes();
    // the format does not depend on the backend that wrote it
    expect(Buffer.from(wasm!.toBytes())).toEqual(Buffer.from(bytes));
    // what a worker thread receives: a view of shared memory
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    const t = toyTables();
    for (const to of BACKEND_NAMES) {
      const rebuilt = ReplayDataset.fromBytes(new Uint8Array(shared), to);
      expect(rebuilt.backend).toBe(to);
      expect(rebuilt.needsLearnPass).toBe(false);
      rebuilt.setTables(t.corpus, t.tokenBytes, t.tokenOffsets, t.separator);
      expect(rebuilt.summaryJson()).toBe(native!.summaryJson());
      expect(rebuilt.sessionStart()).toEqual(native!.sessionStart());
      expect(Buffer.from(rebuilt.timestamps().buffer)).toEqual(Buffer.from(native!.timestamps().buffer));
      expect(Buffer.from(rebuilt.delays().buffer)).toEqual(Buffer.from(native!.delays().buffer));
      for (const turn of SAMPLE) {
        expect(rebuilt.promptText(turn)).toBe(native!.promptText(turn));
        expect(rebuilt.promptTokens(turn)).toEqual(native!.promptTokens(turn));
        expect(rebuilt.turnJson(turn)).toBe(native!.turnJson(turn));
      }
    }
  });

  it.each(BACKEND_NAMES)('%s: refuses damaged snapshot bytes with INVALID_ARG', (backend) => {
    const d = load(backend, new TextEncoder().encode('{"text": "a", "session_id": "s"}\n{"text": "b", "session_id": "s"}\n'));
    const bytes = d.toBytes();
    const damaged = bytes.slice();
    damaged[damaged.length - 20]! ^= 1;
    for (const bad of [bytes.subarray(0, bytes.length - 1), damaged, new Uint8Array(0)]) {
      expect(() => ReplayDataset.fromBytes(bad, backend)).toThrow(
        expect.objectContaining({
          name: 'TraceCoreError',
          code: 'INVALID_ARG',
          message: expect.stringMatching(/^ReplayDataset\.fromBytes: /),
        }),
      );
    }
    expect(() => new ReplayDataset({ backend }).toBytes()).toThrow(expect.objectContaining({ code: 'ANALYZER_STATE' }));
  });

  it.each(BACKEND_NAMES)('%s: a strict error carries the file, line and field', (backend) => {
    const d = new ReplayDataset({ backend, sourceName: 't.jsonl' });
    let caught: unknown;
    try {
      d.push(new TextEncoder().encode('{"text": "a"}\n\n{"text": "b", "output_length": -3}\n'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TraceCoreError);
    expect(caught).toMatchObject({
      code: 'INVALID_ROW',
      reason: 'out_of_range',
      file: 't.jsonl',
      line: 3,
      field: 'output_length',
      message: 't.jsonl:3: output_length: must be >= 0, got -3',
    });
    // the size-conflict check is not relaxed by skipInvalid
    const lenient = new ReplayDataset({ backend, sourceName: 't.jsonl', skipInvalid: true });
    const conflict = '{"input_length": 655, "hash_ids": [46, 47]}\n{"input_length": 672, "hash_ids": [46, 47]}\n';
    expect(() => lenient.push(new TextEncoder().encode(conflict))).toThrow(
      expect.objectContaining({ code: 'SIZE_CONFLICT', line: 2, field: 'hash_ids[1]' }),
    );
  });

  it.each(BACKEND_NAMES)('%s: runs the transform in memory when a synthesis option is set', (backend) => {
    const data = new TextEncoder().encode(
      '{"timestamp": 0, "input_length": 1200, "output_length": 100, "hash_ids": [1, 2, 3]}\n{"timestamp": 1000, "input_length": 1100, "output_length": 200, "hash_ids": [1, 2, 4]}\n',
    );
    const d = new ReplayDataset({ backend, speedupRatio: '2', maxIsl: 1100 });
    expect(d.needsLearnPass).toBe(true);
    d.pushLearn(data);
    d.finishLearn();
    d.push(data);
    d.finish();
    expect(Array.from(d.timestamps())).toEqual([500]);
    expect(JSON.parse(d.turnJson(0)).line).toBe(2);
    expect(d.summary().synthesis_report).toMatchObject({ mode: 'transform', rows_in: 2, rows_out: 1, skipped_max_isl: 1 });
  });
});

/** A child process loads the real trace through the binding itself and prints prompt digests (tables on stdin). */
const CHILD = `
const { readFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const [modulePath, tracePath] = process.argv.slice(1);
const { ReplayDataset } = require(modulePath);
const t = JSON.parse(readFileSync(0, 'utf8'));
const d = new ReplayDataset({ sourceName: 'trace.jsonl', seed: '7' });
d.push(readFileSync(tracePath));
d.finish();
d.setTables(Uint32Array.from(t.corpus), Uint8Array.from(t.tokenBytes), Uint32Array.from(t.tokenOffsets), t.separator);
const out = [];
for (const i of t.sample) out.push(createHash('sha256').update(d.promptText(i)).digest('hex'));
process.stdout.write(out.join('\\n'));
`;

describe('ReplayDataset across processes', () => {
  it('gives the same prompts in two separate processes, and the same as in this one', () => {
    const t = toyTables();
    const tables = JSON.stringify({
      corpus: Array.from(t.corpus),
      tokenBytes: Array.from(t.tokenBytes),
      tokenOffsets: Array.from(t.tokenOffsets),
      separator: t.separator,
      sample: SAMPLE.slice(0, 8),
    });
    const here = load('native', realTrace(), { seed: '7' });
    const expected = SAMPLE.slice(0, 8)
      .map((i) => createHash('sha256').update(here.promptText(i)).digest('hex'))
      .join('\n');
    const modules = [resolve(packageRoot(), 'bindings/napi/index.js'), resolve(packageRoot(), 'bindings/wasm/pkg/node/trace_core_wasm.js')];
    for (const modulePath of modules) {
      const runs = [0, 1].map(() => {
        const r = spawnSync(process.execPath, ['-e', CHILD, modulePath, resolve(packageRoot(), REAL_TRACE)], {
          input: tables,
          encoding: 'utf8',
        });
        expect(r.error).toBeUndefined();
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        return r.stdout;
      });
      expect(runs[0]).toBe(expected);
      expect(runs[1]).toBe(expected);
    }
    // a different seed changes them
    const seeded = load('native', realTrace(), { seed: '8' });
    expect(createHash('sha256').update(seeded.promptText(0)).digest('hex')).not.toBe(expected.split('\n')[0]);
  });
});
