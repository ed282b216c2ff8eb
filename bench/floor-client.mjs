// The least a Node client can do, as a yardstick for bench/client-overhead.bench.ts: closed-loop
// streaming chat requests over raw keep-alive sockets (no HTTP library, no SSE parsing, no
// records pipeline), TTFT stamped in the socket's 'data' callback that carries the first content
// chunk. Its overhead on TTFT is what the machine itself costs any client (two process wake-ups,
// loopback, the kernel) plus a few µs of JavaScript; a real client's overhead above it is its own.
// Writes AIPerf-style records (x_request_id, benchmark_phase, time_to_first_token) so the
// benchmark matches them like the other clients'.
// Usage: node bench/floor-client.mjs --url http://127.0.0.1:PORT --concurrency C --request-count N
//          --warmup-request-count W --osl 32 --isl-chars 500 --out DIR
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const url = new URL(arg('--url', 'http://127.0.0.1:8000'));
const C = Number(arg('--concurrency', '1'));
const N = Number(arg('--request-count', '10'));
const W = Number(arg('--warmup-request-count', '0'));
const OSL = Number(arg('--osl', '32'));
const OUT = arg('--out', '.');
const body = Buffer.from(
  JSON.stringify({
    model: 'm',
    messages: [{ role: 'user', content: 'hello world '.repeat(Math.ceil(Number(arg('--isl-chars', '500')) / 12)) }],
    stream: true,
    max_completion_tokens: OSL,
  }),
);
const CONTENT = Buffer.from('"content"');

const lines = [];
let issued = 0;

/** One closed-loop slot: a keep-alive connection that sends the next request when one ends. */
function slot() {
  return new Promise((resolveSlot) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    let current = null;
    const next = () => {
      if (issued >= W + N) {
        socket.end();
        resolveSlot();
        return;
      }
      const phase = issued < W ? 'warmup' : 'profiling';
      issued += 1;
      const id = randomUUID();
      const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\nx-request-id: ${id}\r\ncontent-length: ${body.length}\r\n\r\n`;
      current = { id, phase, start: process.hrtime.bigint(), first: null };
      socket.cork();
      socket.write(head);
      socket.write(body);
      socket.uncork();
    };
    socket.on('data', (chunk) => {
      const t = process.hrtime.bigint();
      if (current.first === null && chunk.includes(CONTENT)) current.first = t;
      // Every stream ends with `data: [DONE]` and the chunked terminator, written together.
      if (chunk.length >= 5 && chunk.toString('latin1', chunk.length - 5) === '0\r\n\r\n') {
        lines.push(
          JSON.stringify({
            metadata: { x_request_id: current.id, benchmark_phase: current.phase },
            metrics: { time_to_first_token: { value: Number(current.first - current.start) / 1e6, unit: 'ms' } },
            error: null,
          }),
        );
        next();
      }
    });
    socket.on('connect', next);
    socket.on('error', (err) => {
      console.error(err);
      process.exit(1);
    });
  });
}

// Warmup: C slots each take requests until W + N were issued; the phase is by issue order.
await Promise.all(Array.from({ length: C }, slot));
mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'profile_export.jsonl'), `${lines.join('\n')}\n`);
