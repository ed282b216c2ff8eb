// The real inference server of the real-engine suite: llama.cpp's llama-server serving a tiny
// random-weight Qwen3 model, built by ../shared/real-server/setup.sh (see the README there) and
// started on a free 127.0.0.1 port with its start.sh / stop.sh. The upstream binary is the
// default because it is what users run; REALSRV_BIN names another one (setup.sh also builds a
// keep-alive-patched `llama-server`, useful to isolate connection effects).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, portIsClosed, processIsGone, stopAtProcessEnd } from './child-server.js';

const ROOT = resolve(__dirname, '../..');
/** The shared folder sits next to the checkout (scripts/test.sh runs its setup.sh first). */
export const REAL_SERVER_SCRIPTS = resolve(ROOT, '../shared/real-server');
const REALSRV_DIR = process.env['REALSRV_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'infermark-real-server');
export const UPSTREAM_BIN = join(REALSRV_DIR, 'build/bin/llama-server-upstream');
/** The model id start.sh gives the server. */
export const MODEL = 'tiny-qwen3';
/** Tokens the Qwen3 chat template wraps around one user message (../shared/real-server/README.md). */
export const CHAT_TEMPLATE_TOKENS = 8;

export interface RealServer {
  url: string;
  port: number;
  /** The server binary that answers. */
  bin: string;
  /** The current value of each unlabelled series of /metrics (llama.cpp exports no labels). */
  metrics(): Promise<Map<string, number>>;
  /** Stops it by its pid; rejects if the process or a listener on its port is left. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

function sh(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn('bash', [join(REAL_SERVER_SCRIPTS, script), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => ok({ code, stdout, stderr }));
  });
}

/**
 * Starts llama-server (8 slots unless `parallel` says otherwise) and waits for /health. A fresh
 * server has an empty prompt cache. Await `stop()` in `afterAll`; it also runs when the test
 * process exits or is ended by a signal, so a crashed run leaves no server behind.
 */
export async function startRealServer(
  opts: {
    parallel?: number;
    /** More llama-server flags (e.g. `--api-key K`). */
    extraFlags?: string;
    /** This port rather than a free one (a client already waiting on it); no retry on another. */
    port?: number;
  } = {},
): Promise<RealServer> {
  if (!existsSync(join(REAL_SERVER_SCRIPTS, 'start.sh'))) {
    throw new Error(`${REAL_SERVER_SCRIPTS}/start.sh is missing: the real-engine suite needs ../shared/real-server next to the checkout`);
  }
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const bin = process.env['REALSRV_BIN'] ?? UPSTREAM_BIN;
  const env = {
    ...process.env,
    REALSRV_BIN: bin,
    REALSRV_PARALLEL: String(opts.parallel ?? 8),
    ...(opts.extraFlags === undefined ? {} : { REALSRV_EXTRA: opts.extraFlags }),
  };
  let lastError = '';
  // Another process may take the free port before llama-server binds it: then try another one.
  for (let attempt = 0; attempt < (opts.port === undefined ? 3 : 1); attempt++) {
    const port = opts.port ?? (await freePort());
    const started = await sh('start.sh', [String(port)], env);
    if (started.code !== 0) {
      lastError = started.stderr;
      continue;
    }
    // start.sh prints the server's pid; stop.sh stops that pid (SIGTERM, SIGKILL after 5 s).
    const pid = Number(started.stdout.trim());
    let stopped = false;
    const stopNow = (): void => {
      if (stopped) return;
      stopped = true;
      spawnSync('bash', [join(REAL_SERVER_SCRIPTS, 'stop.sh'), String(port)], { env, stdio: 'ignore' });
    };
    const forget = stopAtProcessEnd(stopNow);
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      port,
      bin,
      async metrics() {
        const text = await (await fetch(`${url}/metrics`)).text();
        const out = new Map<string, number>();
        for (const line of text.split('\n')) {
          const m = /^([a-zA-Z_:][\w:]*) (\S+)$/.exec(line);
          if (m) out.set(m[1]!, Number(m[2]));
        }
        return out;
      },
      async stop() {
        stopNow();
        forget();
        if (!processIsGone(pid)) throw new Error(`llama-server (pid ${pid}) is still running after stop.sh`);
        if (!(await portIsClosed(port))) throw new Error(`127.0.0.1:${port} still accepts connections after llama-server stopped`);
      },
    };
  }
  throw new Error(`llama-server did not start (${bin}):\n${lastError}`);
}

/** One line of `profile_export.jsonl`, as far as these tests read it. */
export interface RecordLine {
  metadata: {
    request_num: number;
    benchmark_phase: string;
    was_cancelled: boolean;
    requested_isl: number;
    requested_osl: number;
    /** Present (true) only when a token count was estimated (docs/exports.md §3.1). */
    token_counts_estimated?: true;
  };
  metrics: Record<string, { value: number }>;
  error: { code?: number; type: string; message: string } | null;
}

export interface ServerMetricsDoc {
  metrics: Record<string, { type: string; series: Array<{ stats: Record<string, number> }> }>;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The profiling-phase records. */
  records: RecordLine[];
  /** `server_metrics_export.json`, when written. */
  serverMetrics: ServerMetricsDoc | null;
}

/** A temporary directory for the artifacts of one test file; `remove()` in `afterAll`. */
export function artifactRoot(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'infermark-real-engine-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `infermark profile` through the built CLI against `server` (at `url`, default its own), artifacts in `dir`. */
export function profileCli(server: RealServer, dir: string, args: string[], url = server.url): Promise<CliRun> {
  const argv = [BIN, 'profile', '-m', MODEL, '--url', url, '--ui', 'none', '--artifact-dir', dir, ...args];
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (status) => {
      const recordsFile = join(dir, 'profile_export.jsonl');
      const metricsFile = join(dir, 'server_metrics_export.json');
      const records = existsSync(recordsFile)
        ? readFileSync(recordsFile, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
            .map((l) => JSON.parse(l) as RecordLine)
            .filter((r) => r.metadata.benchmark_phase === 'profiling')
        : [];
      const serverMetrics = existsSync(metricsFile) ? (JSON.parse(readFileSync(metricsFile, 'utf8')) as ServerMetricsDoc) : null;
      ok({ status, stdout, stderr, records, serverMetrics });
    });
  });
}

/** `value` of a per-request metric, or undefined when the record has none. */
export const metric = (r: RecordLine, tag: string): number | undefined => r.metrics[tag]?.value;

/** A counter's `total` or a gauge's statistic from `server_metrics_export.json` (one series). */
export function serverStat(doc: ServerMetricsDoc | null, name: string, stat: string): number | undefined {
  return doc?.metrics[name]?.series[0]?.stats[stat];
}
