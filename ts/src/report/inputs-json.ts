// `inputs.json` (docs/exports.md §7): the exact bodies sent, grouped by session, in turn order.
import type { RawRequestRecord } from '../metrics/raw-record.js';
import { toJson, type JsonValue } from './json-writer.js';

/** Payloads above this total size are not written (a notice says so). */
export const INPUTS_JSON_LIMIT_BYTES = 256 * 1024 * 1024;

export class InputsCollector {
  private readonly sessions = new Map<string, Array<{ turn: number; body: Record<string, unknown> }>>();
  private bytes = 0;
  /** True once the payloads exceeded the limit; they are then dropped. */
  overLimit = false;

  constructor(private readonly limitBytes = INPUTS_JSON_LIMIT_BYTES) {}

  add(raw: RawRequestRecord): void {
    if (this.overLimit || raw.phase !== 'profiling') return;
    // Size estimate by the JSON length; the body is serialised once more at the end.
    this.bytes += JSON.stringify(raw.request.body).length;
    if (this.bytes > this.limitBytes) {
      this.overLimit = true;
      this.sessions.clear();
      return;
    }
    const id = raw.conversationId ?? `session_${raw.sessionNum}`;
    let list = this.sessions.get(id);
    if (!list) {
      list = [];
      this.sessions.set(id, list);
    }
    list.push({ turn: raw.turnIndex, body: raw.request.body });
  }

  /** The file text, or null when over the limit. */
  text(): string | null {
    if (this.overLimit) return null;
    const data = [...this.sessions.entries()].map(([id, turns]) => ({
      session_id: id,
      payloads: [...turns].sort((a, b) => a.turn - b.turn).map((t) => t.body as JsonValue),
    }));
    return `${toJson({ data }, 2)}\n`;
  }
}
