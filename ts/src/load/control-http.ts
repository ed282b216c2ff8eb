// One HTTP call of readiness and server control (docs/cli.md §3.12): a status and a short body, or
// the transport error, never a throw; a whole-call limit, so a stalled server cannot hold the run.
import { Agent, request } from 'undici';

export interface ControlAnswer {
  /** The HTTP status, or null when none arrived (refused, reset, timed out). */
  status: number | null;
  /** The body's first characters (whitespace folded), for messages. */
  body: string;
  /** The whole body (control and probe answers are small). */
  text: string;
  /** Why no status arrived, else null. */
  error: string | null;
}

/** How much of a body a message quotes. */
const QUOTED_CHARS = 200;

/** The calls of one run share a small pool: a few probes and control calls, never load. */
export function controlAgent(): Agent {
  return new Agent({ connections: 4, keepAliveTimeout: 4_000 });
}

export async function controlCall(
  agent: Agent,
  method: 'GET' | 'POST',
  url: string,
  options: { headers: Record<string, string>; body?: string; timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<ControlAnswer> {
  const timeout = AbortSignal.timeout(Math.max(1, Math.round(options.timeoutMs)));
  // An interrupt (Ctrl-C) ends a call at once, as it does the run's requests.
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const res = await request(url, {
      method,
      dispatcher: agent,
      headers: options.headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text.replace(/\s+/g, ' ').trim().slice(0, QUOTED_CHARS), text, error: null };
  } catch (err) {
    const reason = options.signal?.aborted
      ? 'interrupted'
      : timeout.aborted
        ? `no answer within ${(options.timeoutMs / 1000).toFixed(1)} s`
        : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return { status: null, body: '', text: '', error: reason };
  }
}

/** `503 {"error":…}` or `ECONNREFUSED`, for a message. */
export function describeAnswer(a: ControlAnswer): string {
  if (a.status === null) return a.error ?? 'no answer';
  return a.body === '' ? String(a.status) : `${a.status} ${a.body}`;
}

/** `scheme://host:port` of a base URL: control paths are relative to the server, not to a URL's path prefix. */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/** Wait `ms`, or less when `signal` aborts first. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
