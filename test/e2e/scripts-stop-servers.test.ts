// The shell scripts that start a server stop exactly the process they started. Regression:
// scripts/demo.sh (the README's main-job command) started `serve-mock` through a shell function
// with `&`, so `$!` was a subshell, the exit trap killed that subshell, and the server stayed on its
// port after the demo had ended.
//
// The demo runs here for real except for what it installs and measures: a copy of scripts/ in a
// scratch checkout, whose install.sh does nothing and whose dist/bin.js runs the real CLI for
// `serve-mock` (recording its pid) and stands in for `profile` and `analyze-trace`.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, portIsClosed, processIsGone } from '../helpers/child-server.js';

const ROOT = resolve(__dirname, '../..');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A checkout with the real scripts/ and bench/, no install, and a CLI whose clients are stand-ins. */
function scratchCheckout(clientExitCode: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'infermark-scripts-'));
  scratch.push(dir);
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'bench'), join(dir, 'bench'), { recursive: true });
  writeFileSync(join(dir, 'scripts', 'install.sh'), '#!/usr/bin/env bash\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(
    join(dir, 'dist', 'bin.js'),
    `import { appendFileSync } from 'node:fs';
const command = process.argv[2];
if (command === 'serve-mock') {
  appendFileSync(${JSON.stringify(join(dir, 'server-pids'))}, process.pid + '\\n');
  process.argv.splice(1, 1, ${JSON.stringify(BIN)});
  await import(${JSON.stringify(BIN)});
} else {
  console.log('(stand-in for infermark ' + command + ')');
  process.exit(${clientExitCode});
}
`,
  );
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
  return dir;
}

/** Run `bash args…` in `cwd` to its end. */
function bash(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** The pids the stand-in CLI recorded for the servers it started. */
function serverPids(dir: string): number[] {
  return readFileSync(join(dir, 'server-pids'), 'utf8').trim().split('\n').map(Number);
}

/** Every server is gone and its port closed; a leftover one is killed, then the test fails. */
async function expectNothingLeft(pids: number[], port: number): Promise<void> {
  const alive = pids.filter((pid) => !processIsGone(pid));
  const listening = !(await portIsClosed(port));
  for (const pid of alive) process.kill(pid, 'SIGKILL');
  expect({ alive, listening }).toEqual({ alive: [], listening: false });
}

describe('scripts stop the servers they start', () => {
  it('scripts/demo.sh leaves no server running and its port closed when it ends', async () => {
    const dir = scratchCheckout(0);
    const r = await bash(dir, ['scripts/demo.sh']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(stand-in for infermark profile)');
    const port = Number(/against the bundled mock server \(127\.0\.0\.1:(\d+)\)/.exec(r.stdout)![1]);
    const pids = serverPids(dir);
    expect(pids).toHaveLength(1);
    await expectNothingLeft(pids, port);
  });

  it('scripts/demo.sh leaves no server running when a step fails', async () => {
    const dir = scratchCheckout(3);
    const r = await bash(dir, ['scripts/demo.sh']);
    expect(r.code).toBe(3);
    const port = Number(/against the bundled mock server \(127\.0\.0\.1:(\d+)\)/.exec(r.stdout)![1]);
    await expectNothingLeft(serverPids(dir), port);
  });

  it('bench/start-mock.sh, sourced by the bench scripts, stops its server when the script ends', async () => {
    const dir = scratchCheckout(0);
    const r = await bash(dir, ['-c', 'set -euo pipefail; . bench/start-mock.sh; curl -fs "$url/health" >/dev/null; echo "$url"']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const port = Number(/:(\d+)$/.exec(r.stdout.trim())![1]);
    await expectNothingLeft(serverPids(dir), port);
  });
});
