// A minimal Prometheus endpoint on 127.0.0.1:0 for `profile`'s server-metrics scraper: one gauge,
// the Authorization header of every scrape recorded, and scrapes that can be held unanswered (a
// run takes its last scrape in its report step, so holding it pauses the run there).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics`. */
  url: string;
  port: number;
  /** The Authorization header of each scrape, in arrival order (undefined: none sent). */
  readonly authorizations: ReadonlyArray<string | undefined>;
  /** Scrapes received while holding and not yet answered. */
  readonly held: number;
  /** Leave every scrape from now on unanswered until `release`. */
  hold(): void;
  /** Answer the held scrapes, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

export async function startMetricsServer(): Promise<MetricsServer> {
  let holding = false;
  const waiting: ServerResponse[] = [];
  const authorizations: Array<string | undefined> = [];
  const answer = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 0\n');
  };
  const http: Server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (holding) waiting.push(res);
    else answer(res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    authorizations,
    get held() {
      return waiting.length;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const res of waiting.splice(0)) answer(res);
    },
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}
