// `infermark profile` as a child process of an e2e test: the built CLI (dist/bin.js) with its
// output collected, a working directory removed after the test file, and the files a run leaves.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { BIN } from './child-server.js';

/** A fresh directory for this test file's runs, removed after its last test; checks the CLI is built. */
export function workDirectory(prefix: string): string {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ProfileProcess {
  process: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The exit code (null when a signal killed it). */
  exited: Promise<number | null>;
}

/** `infermark profile ARGS` in `cwd`, without colour. */
export function spawnProfile(args: readonly string[], cwd: string): ProfileProcess {
  return spawnInfermark(['profile', ...args], cwd);
}

/** `infermark ARGS` (any command) in `cwd`, without colour. */
export function spawnInfermark(args: readonly string[], cwd: string): ProfileProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: new Promise((r) => child.on('exit', (code) => r(code))),
  };
}

/** How a finished `profile` process ended and what it wrote on stdout and stderr. */
export interface ProfileRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `infermark profile ARGS` in `cwd`, to its end. Asynchronous: servers of the test keep serving. */
export async function runProfileCli(args: readonly string[], cwd: string): Promise<ProfileRun> {
  const run = spawnProfile(args, cwd);
  const status = await run.exited;
  return { status, stdout: run.stdout(), stderr: run.stderr() };
}

/** Every file below `root`, as paths relative to it, sorted ([] when it does not exist). */
export function filesBelow(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  return existsSync(root)
    ? walk(root)
        .map((f) => f.slice(root.length + 1))
        .sort()
    : [];
}
