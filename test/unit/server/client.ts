// Minimal HTTP/SSE client for the mock-server tests: times events on chunk arrival and checks SSE framing.

export interface SseEvent {
  data: string;
  /** performance.now() when the chunk carrying this event arrived. */
  at: number;
}

export interface StreamResult {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** JSON payloads of every event except `[DONE]`. */
  json: Record<string, any>[];
  done: boolean;
  start: number;
  end: number;
  raw: string;
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON; the caller looks at text
  }
  return { status: res.status, json, text };
}

/**
 * POST with `stream: true` and collect the SSE events. Throws on framing errors: every event
 * must be a single `data: ` line terminated by a blank line.
 */
export async function postStream(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<StreamResult> {
  const start = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify({ ...body, stream: true }),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const events: SseEvent[] = [];
  let buffer = '';
  let raw = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const at = performance.now();
    const text = decoder.decode(value, { stream: true });
    raw += text;
    buffer += text;
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (!block.startsWith('data: ') || block.includes('\n')) throw new Error(`malformed SSE event: ${JSON.stringify(block)}`);
      events.push({ data: block.slice(6), at });
    }
  }
  if (buffer !== '') throw new Error(`trailing bytes after the last SSE event: ${JSON.stringify(buffer)}`);
  const end = performance.now();
  const doneEvents = events.filter((e) => e.data === '[DONE]');
  const json = events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as Record<string, any>);
  return {
    status: res.status,
    headers: res.headers,
    events,
    json,
    done: doneEvents.length === 1 && events.at(-1)?.data === '[DONE]',
    start,
    end,
    raw,
  };
}

/** Token events of a stream: content or reasoning deltas (chat) or non-empty text (completions) with no finish reason. */
export function tokenEvents(r: StreamResult): SseEvent[] {
  return r.events.filter((e) => {
    if (e.data === '[DONE]') return false;
    const j = JSON.parse(e.data) as Record<string, any>;
    const c = j.choices?.[0];
    if (!c || c.finish_reason !== null) return false;
    if (c.delta) return (c.delta.content ?? '') !== '' || (c.delta.reasoning_content ?? '') !== '';
    return (c.text ?? '') !== '';
  });
}

/** Run `fn` over `count` items with at most `concurrency` in flight. */
export async function pool<T>(count: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** POST with undici's `request` (much cheaper than fetch) for tests that send thousands of requests. */
export async function quickPost(
  url: string,
  body: string,
  dispatcher?: import('undici').Dispatcher,
): Promise<{ status: number; body: string }> {
  const { request } = await import('undici');
  const res = await request(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
    ...(dispatcher ? { dispatcher } : {}),
  });
  return { status: res.statusCode, body: await res.body.text() };
}

/**
 * POST `body` over a raw socket in two parts with a pause between them, as a slow client would
 * upload a long prompt: the headers and the first half, then `pauseMs` later the rest.
 * Resolves with the raw response once the server closes the connection.
 */
export async function postInTwoParts(url: string, path: string, body: string, pauseMs: number): Promise<string> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(url);
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let response = '';
  socket.on('data', (d: Buffer) => (response += d.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(bytes.subarray(0, half));
  await new Promise((r) => setTimeout(r, pauseMs));
  socket.write(bytes.subarray(half));
  await closed;
  return response;
}
