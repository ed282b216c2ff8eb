// A streaming chat server that holds each first token and counts the requests waiting for one:
// what `--prefill-concurrency` (docs/cli.md §3.4.1) bounds, observed where it matters.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A streaming chat server that holds each first token `ttftMs` and counts what waits for one. */
export interface PrefillServer {
  url: string;
  /** Most requests at once that had arrived and had not been sent their first token. */
  maxWaiting: number;
  close(): Promise<void>;
}

export async function startPrefillServer(ttftMs: number, itlMs: number): Promise<PrefillServer> {
  let waiting = 0;
  const state = { maxWaiting: 0 };
  const chunk = (text: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      waiting += 1;
      state.maxWaiting = Math.max(state.maxWaiting, waiting);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // A role-only event first, as OpenAI servers send: it is not a token and must not release the cap.
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant' } }] })}\n\n`);
      setTimeout(() => {
        waiting -= 1;
        res.write(chunk('a'));
        setTimeout(() => {
          res.write(chunk(' b'));
          res.end('data: [DONE]\n\n');
        }, itlMs);
      }, ttftMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get maxWaiting() {
      return state.maxWaiting;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
