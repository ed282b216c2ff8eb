// `inputs.json` (docs/exports.md §7): the exact bodies sent, grouped by session, in turn order.
//
// A long run sends the same few bodies again and again (a synthetic prompt per dataset entry): each
// distinct body is kept once (by content: records from worker threads carry their own copies), and
// a request costs two small integers. The file is produced in parts
// (one per payload), each distinct body serialised once, so it is never one giant string.
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { toJson, type JsonValue } from './json-writer.js';

/** Payloads above this total size are not written (a notice says so). */
export const INPUTS_JSON_LIMIT_BYTES = 256 * 1024 * 1024;

interface SessionTurns {
  turns: number[];
  /** Index into the distinct bodies, per turn. */
  bodies: number[];
}

/** Indentation of a payload inside `{"data": [{"payloads": [ … ]}]}` at indent 2. */
const PAYLOAD_PAD = '\n        ';

export class InputsCollector {
  private readonly sessions = new Map<string, SessionTurns>();
  /**
   * Distinct bodies in first-sent order, with their JSON length and how many requests sent them.
   * Found by identity first (bodies built once on this thread), else by their JSON text: records
   * from the engine's worker threads arrive as copies, one object per request.
   */
  private readonly byObject = new WeakMap<Record<string, unknown>, number>();
  private readonly byText = new Map<string, number>();
  private readonly bodies: Array<Record<string, unknown>> = [];
  private readonly lengths: number[] = [];
  private readonly uses: number[] = [];
  private bytes = 0;
  /** True once the payloads exceeded the limit; they are then dropped. */
  overLimit = false;

  constructor(private readonly limitBytes = INPUTS_JSON_LIMIT_BYTES) {}

  add(raw: RawRequestRecord): void {
    if (this.overLimit || raw.phase !== 'profiling') return;
    const body = raw.request.body;
    let k = this.byObject.get(body);
    if (k === undefined) {
      // Size estimate by the JSON length; the body is serialised once more at the end.
      const json = JSON.stringify(body);
      k = this.byText.get(json);
      if (k === undefined) {
        k = this.bodies.length;
        this.byText.set(json, k);
        this.bodies.push(body);
        this.lengths.push(json.length);
        this.uses.push(0);
      }
      this.byObject.set(body, k);
    }
    this.uses[k]!++;
    this.bytes += this.lengths[k]!;
    if (this.bytes > this.limitBytes) {
      this.overLimit = true;
      this.sessions.clear();
      this.byText.clear();
      this.bodies.length = 0;
      this.lengths.length = 0;
      this.uses.length = 0;
      return;
    }
    const id = raw.conversationId ?? `session_${raw.sessionNum}`;
    let s = this.sessions.get(id);
    if (!s) {
      s = { turns: [], bodies: [] };
      this.sessions.set(id, s);
    }
    s.turns.push(raw.turnIndex);
    s.bodies.push(k);
  }

  /**
   * The file's text in parts (joined, exactly `toJson({ data }, 2)` and a newline), or null when
   * over the limit. A body sent by several requests is serialised once.
   */
  parts(): Iterable<string> | null {
    if (this.overLimit) return null;
    return this.generate();
  }

  /** The whole file text (small runs, tests), or null when over the limit. */
  text(): string | null {
    const parts = this.parts();
    return parts === null ? null : [...parts].join('');
  }

  private *generate(): Generator<string> {
    if (this.sessions.size === 0) {
      yield `${toJson({ data: [] }, 2)}\n`;
      return;
    }
    const shared = new Map<number, string>();
    const payload = (k: number): string => {
      const hit = shared.get(k);
      if (hit !== undefined) return hit;
      const text = toJson(this.bodies[k]! as JsonValue, 2).replaceAll('\n', PAYLOAD_PAD);
      if (this.uses[k]! > 1) shared.set(k, text);
      return text;
    };
    yield '{\n  "data": [';
    let first = true;
    for (const [id, s] of this.sessions) {
      yield `${first ? '' : ','}\n    {\n      "session_id": ${JSON.stringify(id)},\n      "payloads": [`;
      first = false;
      // Turn order; a stable sort keeps equal turns in the order they were sent.
      const order = s.turns.map((_, i) => i).sort((a, b) => s.turns[a]! - s.turns[b]!);
      for (let n = 0; n < order.length; n++) yield `${n === 0 ? '' : ','}${PAYLOAD_PAD}${payload(s.bodies[order[n]!]!)}`;
      yield '\n      ]\n    }';
    }
    yield '\n  ]\n}\n';
  }
}
