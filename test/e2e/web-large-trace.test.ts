// A generated trace of about 200 MB in the browser app: it completes with the CLI's row count,
// the progress line advances while it runs, the page's own heap stays far below the file's size
// (the file is streamed in the worker, never held) and the core's WASM memory is reported; Cancel
// on a second run ends the worker. Prints the peaks it measured.
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, watchPage } from '../helpers/browser.js';
import { BIN, type ChildServer, startChildServer } from '../helpers/child-server.js';
import { generateTraceLines } from '../helpers/trace-generator.js';

const ROWS = 730_000;
const dir = mkdtempSync(join(tmpdir(), 'infermark-web-large-'));
const trace = join(dir, 'large.jsonl');
let app: ChildServer | null = null;
let browser: Promise<Browser> | null = null;

beforeAll(async () => {
  browser = launchChromium();
  browser.catch(() => undefined);
  app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0'], { listening: /listening on (http:\/\/\S+)/ });
  const fd = openSync(trace, 'w');
  let batch: string[] = [];
  for (const line of generateTraceLines({ rows: ROWS, seed: 12 })) {
    batch.push(line);
    if (batch.length === 20_000) {
      writeSync(fd, `${batch.join('\n')}\n`);
      batch = [];
    }
  }
  if (batch.length > 0) writeSync(fd, `${batch.join('\n')}\n`);
  closeSync(fd);
}, 60_000);

afterAll(async () => {
  await app?.stop('SIGINT');
  await (await browser?.catch(() => null))?.close();
  rmSync(dir, { recursive: true, force: true });
});

const progressOf = async (page: Page): Promise<string> =>
  (await page.locator('#panel-analyse [data-testid="progress"]').textContent()) ?? '';
const percentOf = (text: string): number => Number(/^(\d+)%/.exec(text)?.[1] ?? Number.NaN);

describe('infermark web: a 200 MB trace', () => {
  it('completes with every row, progress advancing and bounded page memory', async () => {
    const size = statSync(trace).size;
    expect(size).toBeGreaterThan(190e6);
    const page = await (await browser!).newPage();
    const origin = new URL(app!.url).origin;
    const watch = await watchPage(page, (r) => new URL(r.url()).origin === origin);
    await page.goto(app!.url);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<number> =>
      (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;

    const started = Date.now();
    await page.setInputFiles('#analyse-file', trace);
    const percents = new Set<number>();
    let peakHeap = await heap();
    while (await page.locator('#analyse-result').isHidden()) {
      expect(await page.locator('#panel-analyse [data-testid="error"]').isHidden()).toBe(true);
      const p = percentOf(await progressOf(page));
      if (Number.isFinite(p)) percents.add(p);
      peakHeap = Math.max(peakHeap, await heap());
      await page.waitForTimeout(100);
    }
    const seconds = (Date.now() - started) / 1000;
    const last = await progressOf(page);
    const wasm = Number(/WASM memory ([\d.]+) MB/.exec(last)?.[1]) * 1e6;

    expect(Number(((await page.locator('[data-testid="total-requests"]').textContent()) ?? '').replaceAll(',', ''))).toBe(ROWS);
    expect(percentOf(last)).toBe(100);
    // It advanced: at least two different readings below 100% on the way.
    expect([...percents].filter((p) => p < 100).length).toBeGreaterThanOrEqual(2);
    // The page never holds the file (it is streamed inside the worker).
    expect(peakHeap).toBeLessThan(64e6);
    // The worker's WASM memory is the core's analysis state, not the file: the per-row lengths
    // its quantiles need and the distinct hash ids (this trace: about 395 MB, the same as
    // `analyze-trace` on the WASM backend in Node, whose whole process peaks near 450 MB RSS).
    // A guard against it growing with the bytes read (e.g. a kept copy of the input).
    expect(wasm).toBeGreaterThan(0);
    expect(wasm).toBeLessThan(512e6);
    process.stdout.write(
      `web 200 MB trace: ${(size / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s; peak page JS heap ${(peakHeap / 1e6).toFixed(1)} MB; worker WASM memory ${(wasm / 1e6).toFixed(1)} MB\n`,
    );
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.blocked).toEqual([]);
    await page.close();
  }, 60_000);

  it('Cancel stops the analysis and ends its worker', async () => {
    const page = await (await browser!).newPage();
    await page.goto(app!.url);
    const workerClosed = new Promise<void>((resolve) => page.on('worker', (w) => w.on('close', () => resolve())));
    await page.setInputFiles('#analyse-file', trace);
    await page.waitForFunction(() =>
      /^([1-9]|[1-8]\d)%/.test(document.querySelector('#panel-analyse [data-testid="progress"]')?.textContent ?? ''),
    );
    await page.click('#analyse-cancel');
    await workerClosed;
    expect(await progressOf(page)).toMatch(/^cancelled at \d+%/);
    expect(await page.locator('#panel-analyse [data-testid="error"]').isHidden()).toBe(true);
    const stopped = await progressOf(page);
    await page.waitForTimeout(500);
    expect(await progressOf(page)).toBe(stopped);
    expect(await page.locator('#analyse-result').isHidden()).toBe(true);
    expect(page.workers()).toEqual([]);
    await page.close();
  }, 30_000);
});
