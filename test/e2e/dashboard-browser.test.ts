// `plot --dashboard` (docs/cli.md §7) through the built CLI, in headless Chromium: it lists the
// runs under PATH, shows a run copied in while it is open, compares two runs' numbers side by
// side, listens on 127.0.0.1 only and ends with 130 on Ctrl-C.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../helpers/browser.js';
import { BIN, type ChildServer, startChildServer, startMockProcess } from '../helpers/child-server.js';
import { profileRun } from '../helpers/mock-runs.js';
import { workDirectory } from '../helpers/profile-process.js';

const root = workDirectory('infermark-dashboard-');
let mock: ChildServer | null = null;
let dashboard: ChildServer | null = null;
/** Launched once; every test that needs it awaits it, so a missing browser fails each of them with its message. */
let browser: Promise<Browser> | null = null;

beforeAll(async () => {
  browser = launchChromium();
  // Reported by the tests that await it, not as an unhandled rejection here.
  browser.catch(() => undefined);
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '8', '--itl', '1']);
  // The second is made outside the watched directory, and copied in while the dashboard is open.
  await Promise.all([
    profileRun(mock.url, root, 'watched/first', 'mock-model', ['--concurrency', '2']),
    profileRun(mock.url, root, 'later/second', 'mock-model', ['--concurrency', '8']),
  ]);
  await mock.stop();
  mock = null;
  dashboard = await startChildServer(process.execPath, [BIN, 'plot', join(root, 'watched'), '--dashboard', '--port', '0'], {
    listening: /listening on (http:\/\/\S+?)\/? /,
  });
}, 90_000);
afterAll(async () => {
  await browser?.then(
    (b) => b.close(),
    () => undefined,
  );
  await mock?.stop();
  await dashboard?.stop();
});

/** `request_throughput` of a run's summary as the report prints it. */
function throughputOf(dir: string): string {
  const summary = JSON.parse(readFileSync(join(root, dir, 'profile_export_aiperf.json'), 'utf8'));
  return (summary.request_throughput.avg as number).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('plot --dashboard', () => {
  it('says it listens on 127.0.0.1 only, and no other address of this host answers', async () => {
    expect(dashboard!.line).toMatch(/^infermark dashboard listening on http:\/\/127\.0\.0\.1:\d+\/ \(127\.0\.0\.1 only/);
    expect(await accepts('127.0.0.1', dashboard!.port)).toBe(true);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal)
      .map((a) => a!.address);
    for (const address of [...others, '::1']) expect(await accepts(address, dashboard!.port), address).toBe(false);
  });

  it('lists the runs, shows a run copied in while open, and compares both runs side by side', async () => {
    const page = await (await browser!).newPage({ viewport: { width: 1280, height: 900 } });
    const origin = new URL(dashboard!.url).origin;
    const watch = await watchPage(page, (r) => r.url().startsWith(`${origin}/`));
    await page.goto(dashboard!.url);
    const picker = page.locator('#run-picker');
    await expect.poll(() => picker.textContent(), { timeout: 10_000 }).toContain('first');
    expect(await picker.textContent()).not.toContain('second');

    cpSync(join(root, 'later', 'second'), join(root, 'watched', 'second'), { recursive: true });
    await expect.poll(() => picker.textContent(), { timeout: 15_000 }).toContain('second');

    // Both ticked (new runs are shown): the comparison table has each run's own number.
    const compare = page.locator('#comparison table.compare');
    await expect.poll(() => compare.locator('thead').textContent(), { timeout: 10_000 }).toMatch(/first[\s\S]*second/);
    const row = compare.locator('tbody tr', { hasText: 'Request Throughput (requests/sec)' });
    expect(await row.locator('td').allTextContents()).toEqual([throughputOf('watched/first'), throughputOf('watched/second')]);
    // And the two runs' charts overlaid.
    expect(await page.locator('#comparison .chart canvas').count()).toBeGreaterThan(0);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    expect(watch.blocked).toEqual([]);
    await page.close();
  });

  it('ends with exit code 130 on Ctrl-C and frees its port', async () => {
    const server = dashboard!;
    dashboard = null;
    // stop() also checks that nothing listens on the port any more.
    expect(await server.stop('SIGINT')).toBe(130);
  });
});

describe('plot --dashboard flags', () => {
  it('reports a port in use on 127.0.0.1 (exit 2)', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
        // Asynchronous: the blocking server lives in this process.
        const child = spawnAsync(['--dashboard', '--port', String(port)]);
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (status) => resolve({ status, stderr }));
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        `error: cannot listen on 127.0.0.1:${port}: address already in use\nhint: choose another port with --port N\n`,
      );
    } finally {
      blocker.close();
    }
  });
});

function spawnAsync(args: string[]) {
  return spawn(process.execPath, [BIN, 'plot', join(root, 'watched'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}
