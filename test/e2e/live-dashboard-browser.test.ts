// `profile --ui dashboard` (docs/cli.md §3.5) through the built CLI, in headless Chromium, during a
// 20 s run against serve-mock: the page's numbers change every second, its final summary is the
// summary JSON's, it asks no other origin for anything and logs no error, a connection left open
// does not keep the CLI from exiting, and a port in use stops the run before any request (exit 2).
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../helpers/browser.js';
import { type ChildServer, portIsClosed, startMockProcess } from '../helpers/child-server.js';
import { runProfileCli, spawnProfile, workDirectory } from '../helpers/profile-process.js';

const root = workDirectory('infermark-live-dashboard-');
let mock: ChildServer | null = null;

beforeAll(async () => {
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '8', '--itl', '2']);
}, 60_000);
afterAll(async () => {
  await mock?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('profile --ui dashboard', () => {
  it('shows numbers that change every second during a 20 s run, then the summary JSON figures, and exits', async () => {
    const browser = await launchChromium();
    try {
      const dir = join(root, 'run');
      const args = ['-m', 'mock-model', '-u', mock!.url, '--streaming', '--concurrency', '4', '--isl', '64', '--osl', '48'];
      const run = spawnProfile(
        [...args, '--benchmark-duration', '20', '--ui', 'dashboard', '--dashboard-port', '0', '--artifact-dir', dir],
        root,
      );
      await expect
        .poll(() => run.stderr(), { timeout: 30_000, interval: 100 })
        .toMatch(/infermark live dashboard: http:\/\/127\.0\.0\.1:\d+\//);
      const url = /infermark live dashboard: (http:\/\/127\.0\.0\.1:\d+\/) \(127\.0\.0\.1 only, for the duration of the run\)\n/.exec(
        run.stderr(),
      )![1]!;
      const origin = new URL(url).origin;
      const port = Number(new URL(url).port);

      // A client that connects and never finishes its request: the CLI must exit anyway.
      const idle = connect(port, '127.0.0.1', () => idle.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
      idle.on('error', () => undefined);

      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const watch = await watchPage(page, (r) => r.url().startsWith(`${origin}/`));
      await page.goto(url);
      const field = (name: string) => page.locator(`[data-live="${name}"]`).first().textContent();
      await expect.poll(() => field('phase'), { timeout: 15_000 }).toBe('profiling');

      // Watch the page for 6 s: the update counter and the completed count move, never standing still 2 s.
      const seen: Array<{ at: number; seq: string | null; completed: string | null }> = [];
      const t0 = Date.now();
      while (Date.now() - t0 < 6_000) {
        seen.push({ at: Date.now(), seq: await field('seq'), completed: await field('completed') });
        await sleep(200);
      }
      const changes = seen.filter((s, i) => i > 0 && s.seq !== seen[i - 1]!.seq).map((s) => s.at);
      expect(changes.length).toBeGreaterThanOrEqual(5);
      const gaps = [changes[0]! - t0, ...changes.slice(1).map((t, i) => t - changes[i]!), Date.now() - changes.at(-1)!];
      expect(Math.max(...gaps)).toBeLessThan(2_000);
      expect(new Set(seen.map((s) => s.completed)).size).toBeGreaterThanOrEqual(4);
      // The window's figures and the server's scrape are there.
      // The window is fed after token counting, which trails the engine by more on a loaded machine.
      await expect.poll(async () => Number(await field('requests-per-sec')), { timeout: 10_000, interval: 200 }).toBeGreaterThan(0);
      expect(await field('requests-per-sec')).toMatch(/^\d[\d,.]*$/);
      expect(await page.locator('#percentiles tbody tr').first().locator('td').first().textContent()).toMatch(/^\d[\d,.]*$/);
      expect(await field('server-kv')).toMatch(/^\d[\d,.]* %$/);
      expect(await field('server-waiting')).toMatch(/^\d+$/);
      expect(await page.locator('#chart-throughput canvas').count()).toBe(1);

      // The end of the run: the final table holds the summary JSON's figures.
      await expect.poll(() => page.locator('#final').isVisible(), { timeout: 30_000, interval: 250 }).toBe(true);
      expect(await run.exited).toBe(0);
      const summary = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8')) as Record<string, Record<string, unknown>>;
      const cells = await page
        .locator('[data-final]')
        .evaluateAll((els) => els.map((e) => [e.getAttribute('data-final')!, e.getAttribute('data-value')!, e.textContent!] as const));
      expect(cells.length).toBeGreaterThan(30);
      for (const [key, value, text] of cells) {
        const [tag, stat] = key.split('.') as [string, string];
        expect(Number(value), key).toBe(summary[tag]![stat]);
        expect(text, key).toBe((summary[tag]![stat] as number).toLocaleString('en-US', { maximumFractionDigits: 2 }));
      }
      expect(cells.map((c) => c[0])).toContain('request_count.avg');
      expect(await field('summary-path')).toBe(join(dir, 'profile_export_aiperf.json'));
      expect(await field('status')).toBe('finished: final summary below');

      expect(watch.blocked).toEqual([]);
      expect(watch.consoleErrors).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
      expect(await portIsClosed(port)).toBe(true);
      idle.destroy();
      await page.close();
    } finally {
      await browser.close();
    }
  }, 75_000);

  it('stops with exit 2 before any request when the port is in use', async () => {
    let requests = 0;
    const target = createHttpServer((req, res) => {
      if (req.url?.startsWith('/v1/')) requests++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
      const run = await runProfileCli(
        [
          '-m',
          'm',
          '-u',
          targetUrl,
          '--request-count',
          '3',
          '--ui',
          'dashboard',
          '--dashboard-port',
          String(port),
          '--artifact-dir',
          join(root, 'in-use'),
        ],
        root,
      );
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        `error: cannot listen on 127.0.0.1:${port}: address already in use\nhint: choose another port with --dashboard-port N (0: any free port)\n`,
      );
      expect(requests).toBe(0);
    } finally {
      blocker.close();
      target.close();
    }
  }, 30_000);
});
