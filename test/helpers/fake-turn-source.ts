// An in-memory TurnSource (ts/src/dataset/turn-source.ts) for the engine's tests: rows as a test
// writes them, grouped into sessions the way the real source groups a file's rows.
import type { TurnContent, TurnSource } from '../../ts/src/dataset/turn-source.js';

/** One row of a fake file; absent fields are absent in the file. */
export interface FakeRow {
  session?: string;
  timestampMs?: number;
  delayMs?: number;
  text?: string;
  messages?: unknown[];
  tools?: unknown[];
  payload?: Record<string, unknown>;
  extra?: Record<string, unknown>;
  system?: string;
  isl?: number;
  osl?: number;
  materialised?: boolean;
}

export interface FakeTurnSource extends TurnSource {
  /** Global turn indices `turn()` was called with, in call order. */
  readonly calls: number[];
  /** The row of global turn t. */
  rowOf(t: number): FakeRow & { line: number };
}

/**
 * Sessions in order of first appearance (a row without `session` is a session of its own), turns of
 * a session contiguous in file order; a row's line is its 1-based position in `rows`.
 */
export function fakeTurnSource(rows: readonly FakeRow[]): FakeTurnSource {
  const keys: string[] = [];
  const bySession = new Map<string, (FakeRow & { line: number })[]>();
  rows.forEach((row, i) => {
    const key = row.session ?? `row_${i + 1}`;
    if (!bySession.has(key)) {
      bySession.set(key, []);
      keys.push(key);
    }
    bySession.get(key)!.push({ ...row, line: i + 1 });
  });
  const ordered = keys.flatMap((k) => bySession.get(k)!);
  const sessionStart = new Uint32Array(keys.length + 1);
  let n = 0;
  keys.forEach((k, s) => {
    sessionStart[s] = n;
    n += bySession.get(k)!.length;
  });
  sessionStart[keys.length] = n;
  const calls: number[] = [];
  return {
    sessions: keys.length,
    turns: ordered.length,
    sessionStart,
    timestampMs: Float64Array.from(ordered, (r) => r.timestampMs ?? Number.NaN),
    delayMs: Float64Array.from(ordered, (r) => r.delayMs ?? Number.NaN),
    sessionName: (s) => keys[s]!,
    calls,
    rowOf: (t) => ordered[t]!,
    turn(t: number): TurnContent {
      calls.push(t);
      const r = ordered[t]!;
      const verbatim = r.messages !== undefined || r.payload !== undefined;
      return {
        line: r.line,
        text: verbatim ? null : (r.text ?? `turn ${t}`),
        messages: r.messages ?? null,
        tools: r.tools ?? null,
        payload: r.payload ?? null,
        extra: r.extra ?? null,
        system: r.system ?? null,
        requestedIsl: verbatim ? null : (r.isl ?? null),
        requestedOsl: r.osl ?? null,
        materialised: r.materialised ?? false,
      };
    },
  };
}
