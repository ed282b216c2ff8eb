// The live dashboard's HTTP server (`profile --ui dashboard`, docs/cli.md §3.5): one page and one
// server-sent-event stream, on 127.0.0.1 only, refusing requests addressed to any other host (DNS
// rebinding) as `plot --dashboard` does. It lives for the run: `close` ends every stream and
// connection, so a page left open (or loaded late) never keeps the CLI from exiting.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DASHBOARD_HOST, isOwnHost, listenLocal, send } from '../plot/local-server.js';

export interface LiveDashboardServer {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  /** Send an event to every open page; the latest of each name is replayed to a page that connects later. */
  publish(event: 'snapshot' | 'final', data: unknown): void;
  /** End the streams and stop listening. */
  close(): Promise<void>;
}

/** Start listening; `UsageError` (exit 2) when the port cannot be had. `page` is the HTML, built once. */
export async function startLiveDashboardServer(options: { port: number; page: string }): Promise<LiveDashboardServer> {
  const streams = new Set<ServerResponse>();
  const latest = new Map<string, string>();
  let port = options.port;
  let closed = false;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isOwnHost(req, port)) {
      send(res, 403, 'text/plain', 'forbidden host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', options.page);
      return;
    }
    if (path !== '/events') {
      send(res, 404, 'text/plain', 'not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD' || closed) {
      res.end();
      return;
    }
    for (const frame of latest.values()) res.write(frame);
    // A page left open must not keep the process alive, whatever path the run ends by.
    req.socket.unref();
    streams.add(res);
    res.on('close', () => streams.delete(res));
  };

  const server = createServer(handle);
  port = await listenLocal(server, options.port, 'choose another port with --dashboard-port N (0: any free port)');
  // Listening alone never keeps the process alive: a run that fails before its reporters finish still exits.
  server.unref();
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    port,
    publish(event, data) {
      const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      latest.set(event, frame);
      for (const res of streams) res.write(frame);
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
