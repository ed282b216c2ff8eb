// A read-only HTTP server for a folder of static files: what `infermark web` serves the browser
// app (dist/web) with (docs/cli.md §11). GET and HEAD only; paths that leave the folder, hidden
// files and directories are 404; the types the app needs, `application/wasm` included.
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, sep } from 'node:path';
import { UsageError } from '../errors.js';

/** Content types by extension; anything else is served as bytes. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export function mimeTypeOf(path: string): string {
  return MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticServerOptions {
  root: string;
  host: string;
  port: number;
  /** Extra headers on every file (the app's Content-Security-Policy). */
  headers?: Readonly<Record<string, string>>;
}

export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The file under `root` that a request path names, or null: the path is decoded, `/` is
 * `index.html`, and anything resolving outside `root` (`..`, encoded or not, or a symlink out of
 * it) or to a hidden name or a directory is null.
 */
export function resolveRequestPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  if (parts.length === 0) parts.push('index.html');
  const realRoot = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(join(realRoot, ...parts));
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real.startsWith(realRoot + sep) ? real : null;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Listen on `host:port` (0: any free port); a port in use or not allowed is a `UsageError` naming it. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    const file = resolveRequestPath(options.root, req.url ?? '/');
    if (file === null) {
      send(res, 404, 'not found\n');
      return;
    }
    const size = statSync(file).size;
    res.writeHead(200, {
      ...options.headers,
      'Content-Type': mimeTypeOf(file),
      'Content-Length': size,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const reason =
        err.code === 'EADDRINUSE'
          ? 'address already in use'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no such local address'
              : err.message;
      reject(
        new UsageError(`cannot listen on ${options.host}:${options.port}: ${reason}`, { hints: ['choose another port with --port N'] }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
