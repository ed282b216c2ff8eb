// `plot --dashboard` (docs/cli.md §7): the report page of every run under the given paths, served
// on 127.0.0.1 only, and kept current. The page asks `/version` every few seconds; the server then
// looks for runs again (at most once per rescan interval, however many pages ask, so the cost is
// bounded by one directory walk per interval) and rebuilds the data only when what it found changed.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { DASHBOARD_HOST, isOwnHost, listenLocal, send } from './local-server.js';
import type { PlotModel } from './plot-model.js';
import { type LiveSource, reportData } from './report-data.js';
import { renderReportHtml } from './report-html.js';

export { DASHBOARD_HOST };
/** AIPerf's dashboard port. */
export const DASHBOARD_DEFAULT_PORT = 8050;

export interface DashboardOptions {
  /** 0 picks a free port. */
  port: number;
  /**
   * What is there now, cheaply (the run directories found and their summary files' sizes and
   * times): when it is unchanged, `load` is not called again.
   */
  fingerprint: () => Promise<string>;
  /** The model of every run there now. */
  load: () => Promise<PlotModel>;
  /** Least time between two looks for new runs (default 2 s); pages poll at this interval too. */
  rescanMs?: number;
  /** A look for runs that failed (a run directory half-written or unreadable); the last good state stays served. */
  onError?: (err: unknown) => void;
}

export interface Dashboard {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly port: number;
  /** Stop listening and end open connections. */
  close(): Promise<void>;
}

interface State {
  version: string;
  model: PlotModel;
}

/** Start the dashboard; `UsageError` when the port cannot be had (in use, or privileged). */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const rescanMs = options.rescanMs ?? 2000;
  let state: State | null = null;
  let fingerprint = '';
  let lastLook = 0;
  let looking: Promise<State> | null = null;
  let port = options.port;

  const look = async (): Promise<State> => {
    const fp = await options.fingerprint();
    if (state === null || fp !== fingerprint) {
      const model = await options.load();
      state = { version: createHash('sha256').update(fp).digest('hex').slice(0, 16), model };
      fingerprint = fp;
    }
    return state;
  };
  /** The current state, looking again when the last look is older than the interval. */
  const current = async (): Promise<State> => {
    if (looking) return looking;
    if (state !== null && Date.now() - lastLook < rescanMs) return state;
    lastLook = Date.now();
    looking = look()
      .catch((err: unknown) => {
        if (state === null) throw err;
        options.onError?.(err);
        return state;
      })
      .finally(() => {
        looking = null;
      });
    return looking;
  };
  // The first look before listening: an empty or unreadable PATH is reported at once.
  await current();

  const live = (version: string): LiveSource => ({ version, versionUrl: '/version', dataUrl: '/data.json', intervalMs: rescanMs });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!isOwnHost(req, port)) return send(res, 403, 'text/plain', 'forbidden host\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { Allow: 'GET, HEAD' });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/') {
      const s = await current();
      return send(res, 200, 'text/html; charset=utf-8', renderReportHtml(s.model, { live: live(s.version) }));
    }
    if (path === '/version') return send(res, 200, 'application/json', JSON.stringify({ version: (await current()).version }));
    if (path === '/data.json') {
      const s = await current();
      return send(res, 200, 'application/json', JSON.stringify(reportData(s.model, live(s.version))));
    }
    return send(res, 404, 'text/plain', 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.onError?.(err);
      if (!res.headersSent) send(res, 500, 'text/plain', 'the runs could not be read; see the dashboard output\n');
      else res.destroy();
    });
  });
  port = await listenLocal(server, options.port, 'choose another port with --port N');
  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
