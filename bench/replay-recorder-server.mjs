// A zero-latency OpenAI completions/chat server for the trace-replay benches: it answers every
// POST at once (one token, non-streaming JSON, or one SSE event when the body asks for a stream)
// and records, per request, the monotonic instant its headers arrived and the max-tokens field the
// client sent. The benches write each row's index into `output_length`, so that field tells which
// trace row a request is, whichever client sent it.
//   node bench/replay-recorder-server.mjs PORT      → prints "listening PORT" when ready
//   GET /arrivals → {"arrivals": [[maxTokens, ns], ...], "first_ns": ns|null}  (ns as decimal strings;
//   first_ns: the first request that carried a max-tokens field)
//   GET /v1/models, GET /health → 200 (readiness probes of either client)
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const arrivals = [];
let firstNs = null;

const completion = JSON.stringify({
  id: 'cmpl-0',
  object: 'text_completion',
  created: 0,
  model: 'replay-bench',
  choices: [{ index: 0, text: 'a', finish_reason: 'length', logprobs: null }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const chat = JSON.stringify({
  id: 'chatcmpl-0',
  object: 'chat.completion',
  created: 0,
  model: 'replay-bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: 'length' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

const server = createServer((req, res) => {
  // Stamped when the request's headers are parsed: the nearest the server gets to "sent".
  const ns = process.hrtime.bigint();
  if (req.method === 'GET') {
    if (req.url === '/arrivals') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ arrivals: arrivals.map(([m, t]) => [m, String(t)]), first_ns: firstNs === null ? null : String(firstNs) }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'replay-bench', object: 'model' }] }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {}
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? null;
    arrivals.push([maxTokens, ns]);
    // A request without max-tokens is a client's readiness probe, not a trace row.
    if (maxTokens !== null) firstNs ??= ns;
    const isChat = Array.isArray(body.messages);
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const delta = isChat
        ? {
            id: 'c',
            object: 'chat.completion.chunk',
            model: 'replay-bench',
            choices: [{ index: 0, delta: { content: 'a' }, finish_reason: 'length' }],
          }
        : { id: 'c', object: 'text_completion', model: 'replay-bench', choices: [{ index: 0, text: 'a', finish_reason: 'length' }] };
      const usage = {
        id: 'c',
        object: 'chat.completion.chunk',
        model: 'replay-bench',
        choices: [],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      };
      res.end(`data: ${JSON.stringify(delta)}\n\ndata: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(isChat ? chat : completion);
  });
});
server.keepAliveTimeout = 600_000;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
