// dataset/trace-file.ts: a file read through the core into a TurnSource — its summary, the turns
// it yields (materialised or verbatim), the worker-thread reopening (from the snapshot or the file), the decode fallback, and the
// fixed schedule's zero.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { LoadMode } from '../../../ts/src/config/profile-config.js';
import { materialisationTables } from '../../../ts/src/dataset/materialisation-tables.js';
import { openTraceTurnSource, scheduleZeroMs, TraceFile, type TraceReadSpec } from '../../../ts/src/dataset/trace-file.js';
import type { MaterialisationTables } from '../../../ts/src/dataset/turn-source.js';
import { UsageError } from '../../../ts/src/errors.js';
import { offByMoreThan1Pct } from '../../../ts/src/metrics/trace-fidelity.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';

let dir = '';
let tok: Tokenizer;
let tables: MaterialisationTables;

/** The AIPerf tutorial's rows with a block size each id keeps (row 2 ends in block 48), then two rows of other kinds. */
const TRACE = `{"timestamp": 0, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
{"timestamp": 10535, "input_length": 672, "output_length": 26, "hash_ids": [46, 48]}
{"timestamp": 27482, "input_length": 655, "output_length": 52, "hash_ids": [46, 47]}
{"timestamp": 30000, "text_input": "literal prompt", "session_id": "chat-1"}
{"timestamp": 30001, "input_length": 40, "session_id": "chat-1", "extra": {"priority": 3}}
`;

function spec(path: string, over: Partial<TraceReadSpec> = {}): TraceReadSpec {
  return {
    path,
    sourceName: path,
    datasetType: null,
    skipInvalid: false,
    blockSize: 512,
    seed: '0',
    windowStartMs: null,
    windowEndMs: null,
    synthesis: null,
    requireTimestamps: false,
    tokenizer: 'builtin',
    osl: 7,
    systemPrompt: null,
    endpointType: 'chat',
    ...over,
  };
}

beforeAll(async () => {
  vi.stubEnv('INFERMARK_CACHE_DIR', mkdtempSync(join(tmpdir(), 'im-trace-file-cache-')));
  dir = mkdtempSync(join(tmpdir(), 'im-trace-file-'));
  writeFileSync(join(dir, 'trace.jsonl'), TRACE);
  tok = await loadTokenizer('builtin');
  tables = materialisationTables(tok);
}, 60_000);

describe('reading a file', () => {
  it('summarises what the core found: inferred type, counts, timestamps', async () => {
    const file = await TraceFile.read(spec(join(dir, 'trace.jsonl')));
    expect(file.summary).toMatchObject({
      datasetType: 'mooncake_trace',
      rows: 5,
      turns: 5,
      sessions: 4,
      skippedInvalidRows: 0,
      skippedWarning: null,
      firstRowHasTimestamp: true,
      firstTurnsTimestamped: true,
      requestedIslRows: 4,
      earliestFirstTurnMs: 0,
      synthesisReport: null,
    });
  });

  it('runs the transform in memory: scaled timestamps and the summary synthesize prints', async () => {
    const file = await TraceFile.read(spec(join(dir, 'trace.jsonl'), { synthesis: { speedupRatio: '100' } }));
    expect(file.summary.synthesisReport?.summary).toBe(
      'synthesize (transform): 5 rows in, 5 rows out; 0 skipped by --synthesis-max-isl (0 sessions affected); 0 output lengths capped by --synthesis-max-osl; 0 inconsistent rows repaired; fresh ids none; trees 1; seed 0',
    );
    const { source } = file.turnSource(tables, tok);
    expect(Array.from(source.timestampMs)).toEqual([0, 105, 274, 300, 300]);
  });

  it('names a missing file as docs/trace-format.md §2.6 says', async () => {
    await expect(TraceFile.read(spec(join(dir, 'nope.jsonl')))).rejects.toThrow(
      new UsageError(`input file not found: ${join(dir, 'nope.jsonl')}`),
    );
  });
});

describe('the turns of the TurnSource', () => {
  it('materialises input_length rows to exactly their length, with equal ids giving equal text', async () => {
    const { source } = (await TraceFile.read(spec(join(dir, 'trace.jsonl')))).turnSource(tables, tok);
    const [a, b, c] = [source.turn(0), source.turn(1), source.turn(2)];
    expect(a).toMatchObject({ line: 1, requestedIsl: 655, requestedOsl: 52, materialised: true, messages: null, payload: null });
    expect(c.text).toBe(a.text);
    expect(b.text).not.toBe(a.text);
    const [ea, eb] = [tok.encode(a.text!), tok.encode(b.text!)];
    expect(ea).toHaveLength(655);
    expect(eb).toHaveLength(672);
    // The shared block 46 is the same 512 tokens at the head of both prompts, starting with the separator.
    expect(eb.slice(0, 512)).toEqual(ea.slice(0, 512));
    expect(ea[0]).toBe(tables.separator);
    expect(ea[512]).toBe(tables.separator);
  });

  it('sends text_input verbatim, uses --osl without output_length, and keeps sessions and extra', async () => {
    const { source } = (await TraceFile.read(spec(join(dir, 'trace.jsonl')))).turnSource(tables, tok);
    expect(Array.from(source.sessionStart)).toEqual([0, 1, 2, 3, 5]);
    expect([0, 1, 2, 3].map((s) => source.sessionName(s))).toEqual(['row_1', 'row_2', 'row_3', 'chat-1']);
    expect(source.turn(3)).toMatchObject({ line: 4, text: 'literal prompt', materialised: false, requestedIsl: null, requestedOsl: 7 });
    expect(source.turn(4)).toMatchObject({ line: 5, requestedIsl: 40, requestedOsl: 7, extra: { priority: 3 }, materialised: true });
  });

  it('reopens the same turns in a worker thread from the TraceSpec alone', async () => {
    const { source, spec: traceSpec } = (
      await TraceFile.read(spec(join(dir, 'trace.jsonl'), { synthesis: { speedupRatio: '2' } }))
    ).turnSource(tables, tok);
    const reopened = await openTraceTurnSource(structuredClone(traceSpec));
    expect(reopened.turns).toBe(source.turns);
    expect(Array.from(reopened.timestampMs)).toEqual(Array.from(source.timestampMs));
    for (let t = 0; t < source.turns; t++) expect(reopened.turn(t)).toEqual(source.turn(t));
  });

  it('opens a worker thread from the shared snapshot without reading the file again', async () => {
    const path = join(dir, 'snapshot-source.jsonl');
    writeFileSync(path, TRACE);
    const opened = (await TraceFile.read(spec(path, { synthesis: { speedupRatio: '2' } }))).turnSource(tables, tok);
    const shared = opened.shared();
    expect(shared.snapshot).toBeInstanceOf(SharedArrayBuffer);
    expect(opened.spec.snapshot).toBeNull();
    rmSync(path);
    const reopened = await openTraceTurnSource(structuredClone(shared));
    expect(Array.from(reopened.sessionStart)).toEqual(Array.from(opened.source.sessionStart));
    expect(Array.from(reopened.timestampMs)).toEqual(Array.from(opened.source.timestampMs));
    for (let s = 0; s < reopened.sessions; s++) expect(reopened.sessionName(s)).toBe(opened.source.sessionName(s));
    for (let t = 0; t < opened.source.turns; t++) expect(reopened.turn(t)).toEqual(opened.source.turn(t));
    // without a snapshot the spec names the file, which is gone
    await expect(openTraceTurnSource(opened.spec)).rejects.toThrow(/snapshot-source\.jsonl/);
  });

  it("checks the core's text against the tokenizer's decode, and decodes whole prompts when they differ", async () => {
    const marking: Tokenizer = Object.assign(Object.create(tok) as Tokenizer, {
      decode: (ids: readonly number[], o?: { skipSpecialTokens?: boolean }) => `decoded:${tok.decode(ids, o)}`,
    });
    const { source, spec: traceSpec } = (await TraceFile.read(spec(join(dir, 'trace.jsonl')))).turnSource(tables, marking);
    expect(traceSpec.tables?.concatSafe).toBe(false);
    expect(source.turn(0).text!.startsWith('decoded:')).toBe(true);
    const safe = (await TraceFile.read(spec(join(dir, 'trace.jsonl')))).turnSource(tables, tok);
    expect(safe.spec.tables?.concatSafe).toBe(true);
    expect(source.turn(0).text).toBe(`decoded:${safe.source.turn(0).text}`);
  });

  it('needs no tables for a file without input_length rows', async () => {
    writeFileSync(join(dir, 'single.jsonl'), '{"text": "a b"}\n{"texts": ["c", "d"], "output_length": 3}\n');
    const file = await TraceFile.read(spec(join(dir, 'single.jsonl')));
    expect(file.summary).toMatchObject({ datasetType: 'single_turn', requestedIslRows: 0, firstRowHasTimestamp: false });
    const { source } = file.turnSource(null, tok);
    expect(source.turn(1)).toMatchObject({ text: 'c\nd', requestedOsl: 3, materialised: false });
  });
});

describe('the real Mooncake conversation trace', () => {
  it('re-encodes to within max(1, 1 %) of input_length for at least 99 % of a sample (docs/synthesis.md §6.6 property 2)', async () => {
    const file = await TraceFile.read(spec(resolve(__dirname, '../../../../shared/data/mooncake/conversation_trace.jsonl')));
    expect(file.summary).toMatchObject({ turns: 12031, requestedIslRows: 12031, skippedInvalidRows: 0 });
    const { source, spec: traceSpec } = file.turnSource(tables, tok);
    expect(traceSpec.tables?.concatSafe).toBe(true);
    // 40 rows spread over the file: encoding a 12,000-token prompt takes tens of milliseconds.
    let off = 0;
    let n = 0;
    for (let t = 0; t < source.turns; t += 301) {
      const turn = source.turn(t);
      n++;
      if (offByMoreThan1Pct(turn.requestedIsl!, tok.count(turn.text!))) off++;
    }
    expect(n).toBe(40);
    expect(off / n).toBeLessThanOrEqual(0.01);
  }, 120_000);
});

describe('the fixed schedule zero (docs/cli.md §3.4 mode 1)', () => {
  const fixed = (o: Partial<Extract<LoadMode, { kind: 'fixed-schedule' }>>): LoadMode => ({
    kind: 'fixed-schedule',
    concurrency: null,
    autoOffset: true,
    startOffsetMs: null,
    endOffsetMs: null,
    automatic: false,
    ...o,
  });
  it('is the earliest first-turn timestamp with the automatic offset, else 0', () => {
    expect(scheduleZeroMs(fixed({}), { earliestFirstTurnMs: 1500 }, null)).toBe(1500);
    expect(scheduleZeroMs(fixed({ autoOffset: false }), { earliestFirstTurnMs: 1500 }, null)).toBe(0);
    expect(scheduleZeroMs({ kind: 'concurrency', concurrency: 1 }, { earliestFirstTurnMs: 1500 }, null)).toBe(0);
  });

  it('is the start offset, in original trace ms divided by the speedup ratio like the timestamps', () => {
    expect(scheduleZeroMs(fixed({ autoOffset: false, startOffsetMs: 10535 }), { earliestFirstTurnMs: 105 }, null)).toBe(10535);
    expect(scheduleZeroMs(fixed({ autoOffset: false, startOffsetMs: 10535 }), { earliestFirstTurnMs: 105 }, '100')).toBeCloseTo(105.35, 9);
  });
});
