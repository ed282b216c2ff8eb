// Servers that tests and benchmarks run as child processes (the built CLI's `serve-mock`, the
// benchmark's ground-truth servers): started directly, so the pid held is the server's own and
// never a shell's; ready once they print their listening line; and stopped by that pid, waited
// for, and checked: after `stop()` the process is gone and nothing listens on its port. A server
// still running when the test process ends is killed then. Regression: a demo script stopped the
// shell it had started the server from, and the server kept its port.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** The built CLI. */
export const BIN = join(ROOT, 'dist', 'bin.js');

export interface ChildServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `http://HOST:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The line that announced it listening. */
  readonly line: string;
  /** Everything it wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Its exit code (null when a signal ended it). */
  readonly exit: Promise<number | null>;
  /**
   * Send `signal` (SIGTERM by default) to the process, wait until it exits (SIGKILL after
   * `graceMs`, 10 s by default), then check that the processes it had started are gone too and
   * that nothing listens on its port any more; resolves with its exit code. Calling it again, or
   * after the process exited, only waits and checks.
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export interface ChildServerOptions {
  /** Matches the listening line on stdout; group 1 is the server's URL or its port on 127.0.0.1. */
  listening: RegExp;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long it may take to print the listening line (default 60 s). */
  startTimeoutMs?: number;
}

// Last resort for a test that failed before its stop(): no server outlives the test process,
// whether it exits or is ended by a signal (vitest ends its worker processes with SIGTERM).
const atEnd = new Set<() => void>();
function runAtEnd(): void {
  for (const stop of atEnd) stop();
  atEnd.clear();
  unwatch();
}
function onSignal(signal: NodeJS.Signals): void {
  runAtEnd();
  // Listening to a signal replaced its default action: with the listener gone, the signal again ends the process.
  process.kill(process.pid, signal);
}
function unwatch(): void {
  process.off('exit', runAtEnd);
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
}

/**
 * Run `stop` (synchronously) if the test process exits or is ended by SIGTERM or SIGINT before the
 * returned function has been called, as it is once the server has stopped.
 */
export function stopAtProcessEnd(stop: () => void): () => void {
  if (atEnd.size === 0) {
    process.on('exit', runAtEnd);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  atEnd.add(stop);
  return () => {
    atEnd.delete(stop);
    if (atEnd.size === 0) unwatch();
  };
}

/** Whether a TCP connection to `host:port` is refused (nothing listens there). */
export function portIsClosed(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveClosed) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolveClosed(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolveClosed(err.code === 'ECONNREFUSED'));
  });
}

/** Whether the process with this pid has ended: it does not exist, or is a zombie nobody has reaped yet. */
export function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // /proc/PID/stat: "PID (COMMAND) STATE …"; the command may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The pids of a process's own child processes (from /proc on Linux; none elsewhere). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Start `command args…` and wait for its listening line. */
export async function startChildServer(command: string, args: readonly string[], options: ChildServerOptions): Promise<ChildServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  const stopped = stopAtProcessEnd(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      stopped();
      resolveExit(code);
    });
  });
  const name = [command, ...args].join(' ');
  let line: string;
  let found: string;
  try {
    [line, found] = await new Promise<[string, string]>((ready, fail) => {
      const timeout = options.startTimeoutMs ?? 60_000;
      const timer = setTimeout(() => fail(new Error(`${name}: no listening line within ${timeout} ms\n${out}${err}`)), timeout);
      const onData = (): void => {
        for (const l of out.split('\n')) {
          const m = options.listening.exec(l);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off('data', onData);
            ready([l, m[1]!]);
            return;
          }
        }
      };
      child.stdout!.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      void exit.then((code) => {
        clearTimeout(timer);
        fail(new Error(`${name} exited with ${code} before listening:\n${out}${err}`));
      });
    });
  } catch (e) {
    child.kill('SIGKILL');
    await exit;
    throw e;
  }
  const url = /^\d+$/.test(found) ? `http://127.0.0.1:${found}` : found;
  const address = new URL(url);
  const port = Number(address.port);
  const host = address.hostname.replace(/^\[(.*)\]$/, '$1');
  const pid = child.pid!;
  return {
    child,
    pid,
    url,
    port,
    line,
    stdout: () => out,
    stderr: () => err,
    exit,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
      // Its own children (serve-mock --workers) must end with it.
      const children = childPids(pid);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exit;
      clearTimeout(killer);
      const left = children.filter((c) => !processIsGone(c));
      for (const c of left) process.kill(c, 'SIGKILL');
      if (left.length > 0) throw new Error(`${name} (pid ${pid}) exited, but its child processes ${left.join(', ')} did not`);
      if (!(await portIsClosed(port, host))) {
        throw new Error(`${name} (pid ${pid}) exited, but ${host}:${port} still accepts connections`);
      }
      return code;
    },
  };
}

/** `node dist/bin.js serve-mock --port 0 …args`, ready once it prints its listening line. */
export function startMockProcess(args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ChildServer> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  return startChildServer(process.execPath, [BIN, 'serve-mock', '--port', '0', ...args], {
    listening: /listening on (http:\/\/\S+)/,
    env: options.env,
  });
}
