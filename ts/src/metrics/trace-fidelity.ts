// How close materialised trace prompts came to the lengths the trace asked for (docs/synthesis.md
// §6.5): what each record contributes (the turn's own text, counted off the timing path by the
// record processor) and the run's `trace_fidelity` summary.
import type { RawRequestRecord } from './raw-record.js';

/** `trace_fidelity` of the summary JSON (docs/exports.md §4 item 7); field names as written there. */
export interface TraceFidelity {
  rows: number;
  requested_isl_mean: number;
  materialised_isl_mean: number;
  abs_diff_mean: number;
  abs_diff_max: number;
  rows_off_by_more_than_1pct: number;
}

/**
 * The text a materialised turn added to the request, or null when the turn was not materialised:
 * chat → the last user message's content (earlier messages are the session's history);
 * completions → the prompt after its `historyChars` characters of history.
 */
export function materialisedTurnText(raw: RawRequestRecord): string | null {
  if (!raw.materialised) return null;
  const body = raw.request.body;
  const prompt = body['prompt'];
  if (typeof prompt === 'string') return prompt.slice(raw.historyChars);
  const messages = body['messages'];
  if (!Array.isArray(messages)) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as { role?: unknown; content?: unknown } | null;
    if (m !== null && typeof m === 'object' && m.role === 'user') return typeof m.content === 'string' ? m.content : null;
  }
  return null;
}

/** Whether a row missed its requested length by more than max(1 token, 1 % of the request) (docs/synthesis.md §6.5). */
export function offByMoreThan1Pct(requested: number, materialised: number): boolean {
  return Math.abs(materialised - requested) > Math.max(1, 0.01 * requested);
}

/** One materialised row: the trace's `input_length` and the client token count of the text made from it. */
export interface FidelityRow {
  requested: number;
  materialised: number;
}

/** The summary over the run's materialised rows, or null when there were none (not a trace input). */
export function traceFidelity(rows: Iterable<FidelityRow>): TraceFidelity | null {
  let n = 0;
  let requested = 0;
  let materialised = 0;
  let diffSum = 0;
  let diffMax = 0;
  let off = 0;
  for (const r of rows) {
    const d = Math.abs(r.materialised - r.requested);
    n++;
    requested += r.requested;
    materialised += r.materialised;
    diffSum += d;
    if (d > diffMax) diffMax = d;
    if (offByMoreThan1Pct(r.requested, r.materialised)) off++;
  }
  if (n === 0) return null;
  return {
    rows: n,
    requested_isl_mean: requested / n,
    materialised_isl_mean: materialised / n,
    abs_diff_mean: diffSum / n,
    abs_diff_max: diffMax,
    rows_off_by_more_than_1pct: off,
  };
}
