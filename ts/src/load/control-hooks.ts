// Server control calls around a run (docs/cli.md §3.12): the KV-cache reset before it and the
// profiler's start and stop around its profiling phase, one empty POST to each `--url`'s origin
// (AIPerf 0.13's semantics). A call that fails is reported, never thrown: the benchmark's numbers do
// not depend on it, and a server without the route (llama.cpp has no `/reset_prefix_cache`) must
// not stop a run. AIPerf fails the run instead; here the failure is a warning in the console footer
// and the run log, so a user who needs a cold cache still sees that it was not reset.
import type { Agent } from 'undici';
import { type ControlAnswer, controlCall, describeAnswer, originOf, pause } from './control-http.js';

export interface ControlTargets {
  /** The `--url` values; each origin is called once, in the order given. */
  urls: readonly string[];
  /** Per URL, the headers its requests would carry for authorization (`authorization`, `-H` headers). */
  headers: ReadonlyArray<Record<string, string>>;
}

/** What one control call to one origin came to. */
export interface ControlOutcome {
  url: string;
  ok: boolean;
  /** The last answer: `200`, `404 {"error":…}`, `ECONNREFUSED`. */
  answer: string;
  status: number | null;
  attempts: number;
}

/** "Busy, try again": a reset answered so (or not at all) is retried with backoff (AIPerf's set). */
const RETRYABLE = new Set([409, 423, 429, 503]);
const BACKOFF_START_MS = 1000;
const BACKOFF_CAP_MS = 8000;

/** One target per origin, with the headers of the first URL at that origin. */
function origins(t: ControlTargets): Array<{ origin: string; headers: Record<string, string> }> {
  const seen = new Map<string, Record<string, string>>();
  t.urls.forEach((u, i) => {
    const o = originOf(u);
    if (!seen.has(o)) seen.set(o, t.headers[i] ?? {});
  });
  return [...seen].map(([origin, headers]) => ({ origin, headers }));
}

function outcome(url: string, a: ControlAnswer, attempts: number): ControlOutcome {
  const ok = a.status !== null && a.status >= 200 && a.status < 300;
  return { url, ok, answer: describeAnswer(a), status: a.status, attempts };
}

/** POST `path` on every origin, one after the other; `retrySeconds` > 0 retries busy answers with backoff. */
export async function postToOrigins(
  agent: Agent,
  targets: ControlTargets,
  path: string,
  options: { timeoutSeconds: number; retrySeconds?: number; signal?: AbortSignal },
): Promise<ControlOutcome[]> {
  const out: ControlOutcome[] = [];
  for (const { origin, headers } of origins(targets)) {
    const url = origin + path;
    const deadline = performance.now() + (options.retrySeconds ?? 0) * 1000;
    let backoff = BACKOFF_START_MS;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const a = await controlCall(agent, 'POST', url, {
        headers,
        body: '',
        timeoutMs: options.timeoutSeconds * 1000,
        signal: options.signal,
      });
      const retryable = a.status === null || RETRYABLE.has(a.status);
      if (!retryable || options.signal?.aborted || performance.now() + backoff >= deadline) {
        out.push(outcome(url, a, attempts));
        break;
      }
      await pause(backoff, options.signal);
      backoff = Math.min(backoff * 2, BACKOFF_CAP_MS);
    }
  }
  return out;
}

/** The warning of a failed call (`what`: "KV-cache reset"), with a hint when the route does not exist. */
export function controlWarning(what: string, flag: string, o: ControlOutcome): string {
  // A missing route is the common case (llama.cpp has none of these): named as such, without the body.
  if (o.status === 404 || o.status === 405)
    return `${what} not done: ${o.url} answered ${o.status}, the server has no such route (${flag} sets it)`;
  return `${what} failed at ${o.url}: ${o.answer}${o.attempts > 1 ? ` after ${o.attempts} attempts` : ''}`;
}
