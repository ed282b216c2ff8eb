// What the two dashboards (`plot --dashboard`, `profile --ui dashboard`, docs/cli.md §7 and §3.5)
// share as local HTTP servers: they listen on 127.0.0.1 only, answer only requests addressed to
// that origin, answer with the same headers, and report a port they cannot have as a usage error
// before anything else happens.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';

/** The only address a dashboard listens on: the results and configurations it shows are the user's own. */
export const DASHBOARD_HOST = '127.0.0.1';

/**
 * Whether a request was addressed to this server by name: another site's page that resolved its own
 * name to 127.0.0.1 (DNS rebinding) sends its own Host, and is refused.
 */
export function isOwnHost(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host ?? '';
  return host === `${DASHBOARD_HOST}:${port}` || host === `localhost:${port}`;
}

/**
 * Listen on DASHBOARD_HOST:`port` (0: any free port) and resolve with the port had; a port in use
 * or not allowed is a `UsageError` naming it, with `hint` (the flag that chooses another).
 */
export async function listenLocal(server: Server, port: number, hint: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new UsageError(`cannot listen on ${DASHBOARD_HOST}:${port}: ${reason}`, { hints: [hint] }));
    };
    server.once('error', onError);
    server.listen(port, DASHBOARD_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** A whole response that no cache keeps, no browser sniffs and no link leaks a Referer from; no body for HEAD. */
export function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
