// Ground-truth streaming server for the client-timing benchmarks (bench/profile-accuracy.bench.ts,
// bench/client-overhead.bench.ts). It streams OSL content chunks with a fixed TTFT/ITL, OpenAI chat or
// completions style, and records per request, on process.hrtime (CLOCK_MONOTONIC on Linux,
// shared by every process, so directly comparable with the clients' stamps):
//   arrival  the instant the server's event loop was handed the I/O batch that carried the
//            request (the server's TTFT starts here; see arrivalStamp)
//   writes   the instant of every content chunk's write (writes[0] ends the server's TTFT)
//   reused   whether an earlier request already used this connection (false = new connection)
//   accepted the instant the connection was accepted
// keyed by the X-Request-ID header (infermark and AIPerf both send one), else X-Correlation-ID.
// Every stream of one moment is served in lock step (same TTFT and ITL for all), as a
// continuously batched engine emits one token per running sequence per decode step.
// GET /truth returns the records and clears them; every other request but a POST is a 404
// (clients that probe or scrape /metrics, as AIPerf does with HEAD, must not clear the records).
// Usage: node bench/profile-truth-server.mjs [--ttft 50] [--itl 20] [--osl N]  (prints "listening PORT")
//   --osl N overrides the max tokens of the request body (default: the body's, else 16).
import { createServer } from 'node:http';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TTFT = arg('--ttft', 50);
const ITL = arg('--itl', 20);
const OSL = arg('--osl', 0);
let truth = {};
const hr = () => process.hrtime.bigint().toString();

// A burst of requests (every closed-loop slot frees at once) reaches this process in one poll of
// its sockets, and Node runs the handlers one after another: stamping each request in its own
// handler would stamp the last one after the server's work on all the others, and call that
// server-side queueing "client overhead". Every request read in one poll was in the kernel
// before the poll returned, so they all get the instant the first of them reached JavaScript:
// never earlier than the true arrival, and no later than the first handler. The stamp is
// forgotten in the check phase that follows every poll phase (setImmediate).
let batchStamp = null;
const forgetBatchStamp = () => {
  batchStamp = null;
};
function arrivalStamp() {
  if (batchStamp === null) {
    batchStamp = hr();
    setImmediate(forgetBatchStamp);
  }
  return batchStamp;
}

const server = createServer((req, res) => {
  const arrival = arrivalStamp();
  if (req.method !== 'POST') {
    if (req.method === 'GET' && req.url === '/truth') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(truth));
      truth = {};
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"not found"}}');
    }
    return;
  }
  const socket = req.socket;
  const reused = socket.requests > 0;
  socket.requests += 1;
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"request body is not JSON"}}');
      return;
    }
    const n = OSL > 0 ? OSL : (body.max_completion_tokens ?? body.max_tokens ?? 16);
    const chat = req.url.endsWith('/chat/completions');
    const id = req.headers['x-request-id'] ?? req.headers['x-correlation-id'] ?? `anon-${arrival}`;
    const writes = [];
    truth[id] = { arrival, accepted: socket.acceptedNs, reused, writes };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const start = performance.now();
    const created = Math.floor(Date.now() / 1000);
    const head = `data: {"id":"cmpl-${id}","object":"${chat ? 'chat.completion.chunk' : 'text_completion'}","created":${created},"model":${JSON.stringify(body.model ?? 'm')},"choices":[{"index":0,`;
    let i = 0;
    const tick = () => {
      const last = i === n - 1;
      const text = JSON.stringify(` tok${i}`);
      const choice = chat ? `"delta":{"content":${text}}` : `"text":${text}`;
      const chunk = `${head}${choice},"finish_reason":${last ? '"length"' : 'null'}}]}\n\n`;
      writes.push(hr());
      res.write(chunk);
      i += 1;
      if (i === n) {
        const usage = body.stream_options?.include_usage
          ? `data: {"id":"cmpl-${id}","choices":[],"usage":{"prompt_tokens":0,"completion_tokens":${n},"total_tokens":${n}}}\n\n`
          : '';
        res.end(`${usage}data: [DONE]\n\n`);
        return;
      }
      // Schedule against the ideal timeline so server lateness does not accumulate.
      setTimeout(tick, Math.max(0, start + TTFT + i * ITL - performance.now()));
    };
    setTimeout(tick, TTFT);
  });
});
server.on('connection', (socket) => {
  socket.acceptedNs = hr();
  socket.requests = 0;
});
server.keepAliveTimeout = 120_000;
server.maxHeadersCount = 0;
// A deep accept backlog: 10,000 clients connecting at once would overflow the default 511 and
// turn SYN retries (1 s, 3 s, 7 s …) into fake TTFT.
server.listen({ port: 0, host: '127.0.0.1', backlog: 65535 }, () => console.log(`listening ${server.address().port}`));
