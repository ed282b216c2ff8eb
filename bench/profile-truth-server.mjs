// Ground-truth streaming server for bench/profile-accuracy.ts: streams OSL chunks with a fixed
// TTFT/ITL and records the monotonic instant of every write per X-Request-ID. On Linux
// process.hrtime is CLOCK_MONOTONIC, shared by every process, so the client's arrival stamps and
// these write stamps are directly comparable. GET /truth returns and clears the stamps.
// Usage: node bench/profile-truth-server.mjs --ttft 50 --itl 20   (prints "listening PORT")
import { createServer } from 'node:http';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TTFT = arg('--ttft', 50);
const ITL = arg('--itl', 20);
let truth = {};

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(truth));
    truth = {};
    return;
  }
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    const n = body.max_completion_tokens ?? body.max_tokens ?? 16;
    const id = req.headers['x-request-id'];
    const stamps = [];
    truth[id] = stamps;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const start = performance.now();
    let i = 0;
    const tick = () => {
      const chunk = `data: {"choices":[{"index":0,"delta":{"content":" tok${i}"},"finish_reason":${i === n - 1 ? '"length"' : 'null'}}]}\n\n`;
      stamps.push(process.hrtime.bigint().toString());
      res.write(chunk);
      i += 1;
      if (i === n) {
        res.end('data: [DONE]\n\n');
        return;
      }
      // Schedule against the ideal timeline so server lateness does not accumulate.
      setTimeout(tick, Math.max(0, start + TTFT + i * ITL - performance.now()));
    };
    setTimeout(tick, TTFT);
  });
});
server.keepAliveTimeout = 120_000;
server.maxHeadersCount = 0;
// A deep accept backlog: 10,000 clients connecting at once would overflow the default 511 and
// turn SYN retries (1 s, 3 s, 7 s …) into fake TTFT.
server.listen({ port: 0, host: '127.0.0.1', backlog: 65535 }, () => console.log(`listening ${server.address().port}`));
