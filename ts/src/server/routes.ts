// Routing of the mock server (docs/serve-mock.md §2): the arrival stamp, the API key check, request
// bodies read with a size limit, and which handler answers which method and path.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_ROUTES, HttpError, type InferenceEndpoint } from './request-validation.js';
import { sendEndpointError, sendError } from './response-writer.js';
import { RETRIEVAL_ROUTES, type RetrievalApi } from './retrieval-handlers.js';

export interface RouteHandlers {
  /** `--max-body-bytes`: a longer body is answered 413 and never parsed. */
  maxBodyBytes: number;
  /** `Authorization: Bearer <key>` required on /v1/* when set. */
  apiKey: string | undefined;
  /**
   * An inference request whose body has been read. `arrival` is performance.now() when its
   * headers were parsed, before the body was read: the recorded times start there
   * (docs/serve-mock.md §8). A rejected promise is handled like a throw.
   */
  inference(endpoint: InferenceEndpoint, body: Buffer, res: ServerResponse, arrival: number): void | Promise<void>;
  /** An embeddings or rankings request whose body has been read (docs/serve-mock.md §2.1); as `inference`. */
  retrieval(api: RetrievalApi, body: Buffer, res: ServerResponse, arrival: number): void | Promise<void>;
  models(res: ServerResponse): void;
  health(res: ServerResponse): void;
  /** The Prometheus exposition text. */
  metrics(): string;
  /** Server control (`POST /reset_prefix_cache`, `/start_profile`, `/stop_profile`): false when `path` is none of them. */
  control(path: string, res: ServerResponse): boolean;
  /** An unexpected failure inside a handler (the client gets a 500). */
  onInternalError(err: Error): void;
}

/**
 * 413 for a body longer than the limit. The connection closes after the answer, so the rest of
 * the body is never read: reading it to keep the connection would let the client hold it.
 */
function tooLarge(res: ServerResponse, endpoint: InferenceEndpoint | undefined, maxBodyBytes: number): void {
  res.setHeader('Connection', 'close');
  sendEndpointError(res, endpoint, 413, `request body exceeds --max-body-bytes (${maxBodyBytes} bytes)`);
}

/** chat and completions, then the routes of the APIs of ts/src/endpoints, keyed by their path. */
const INFERENCE_PATHS: Record<string, InferenceEndpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  ...Object.fromEntries([...API_ROUTES.keys()].map((path) => [path, path])),
};

/** The Messages API sends its key as `x-api-key`; every other API as a Bearer token. */
function authorized(req: IncomingMessage, path: string, apiKey: string): boolean {
  if (req.headers.authorization === `Bearer ${apiKey}`) return true;
  return path === '/v1/messages' && req.headers['x-api-key'] === apiKey;
}

/** The request listener of the server. */
export function createRouter(h: RouteHandlers): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Node calls the listener once the request line and headers are parsed: the earliest moment
    // the server knows of the request. Stamped first, so reading, parsing and tokenising the body
    // all count in the recorded times.
    const arrival = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const method = req.method ?? 'GET';
    const endpoint = Object.hasOwn(INFERENCE_PATHS, path) ? INFERENCE_PATHS[path] : undefined;
    const retrieval = Object.hasOwn(RETRIEVAL_ROUTES, path) ? RETRIEVAL_ROUTES[path] : undefined;
    // The rerank APIs live outside /v1/ and are guarded by the key too.
    if (h.apiKey !== undefined && (path.startsWith('/v1/') || retrieval) && !authorized(req, path, h.apiKey)) {
      req.resume();
      return endpoint === undefined ? sendError(res, 401, 'Invalid API key') : sendEndpointError(res, endpoint, 401, 'Invalid API key');
    }
    if ((endpoint || retrieval) && method === 'POST') {
      // Announced too long: answered before a byte of the body is read.
      if (Number(req.headers['content-length']) > h.maxBodyBytes) return tooLarge(res, endpoint, h.maxBodyBytes);
      // A client that sent `Expect: 100-continue` (curl does above 1 MiB) waits for this before
      // sending the body. The server routes such requests here before Node answers them
      // (./mock-server.ts), so that a body announced too long is refused without being sent.
      if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
      let chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        if (res.headersSent) return;
        size += c.length;
        if (size > h.maxBodyBytes) {
          chunks = [];
          tooLarge(res, endpoint, h.maxBodyBytes);
          return;
        }
        chunks.push(c);
      });
      const fail = (err: unknown): void => {
        if (err instanceof HttpError) {
          sendEndpointError(res, endpoint, err.status, err.message, err.type);
          return;
        }
        h.onInternalError(err as Error);
        if (!res.headersSent) sendEndpointError(res, endpoint, 500, `internal error: ${(err as Error).message}`, 'server_error');
        else res.destroy();
      };
      req.on('end', () => {
        if (res.headersSent) return;
        try {
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          const pending = endpoint ? h.inference(endpoint, body, res, arrival) : h.retrieval(retrieval!, body, res, arrival);
          pending?.catch(fail);
        } catch (err) {
          fail(err);
        }
      });
      return;
    }
    req.resume();
    if (method === 'GET' && path === '/v1/models') return h.models(res);
    if (method === 'GET' && path === '/health') return h.health(res);
    if (method === 'GET' && path === '/metrics') {
      const text = h.metrics();
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (method === 'POST' && h.control(path, res)) return;
    sendError(res, 404, `Not found: ${method} ${path}`);
  };
}
