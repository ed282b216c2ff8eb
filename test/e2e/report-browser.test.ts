// report.html in headless Chromium (DEVELOPERS.md), made by the built CLI from real runs against
// serve-mock: it works with every request blocked, draws every chart, shows values on hover,
// toggles runs, and shows hostile strings from a run as text (docs/cli.md §7).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../helpers/browser.js';
import { BIN, type ChildServer, startMockProcess } from '../helpers/child-server.js';
import { profileRun } from '../helpers/mock-runs.js';
import { workDirectory } from '../helpers/profile-process.js';
import { spawnSync } from 'node:child_process';

const XSS = '<img src=x onerror=alert(1)>';
/** The same without blanks: `-m` splits its value at blanks and commas into several models. */
const XSS_MODEL = '<img/src=x/onerror=alert(1)>';
const root = workDirectory('infermark-report-browser-');
let mock: ChildServer | null = null;
/** Launched once; every test that needs it awaits it, so a missing browser fails each of them with its message. */
let browser: Promise<Browser> | null = null;
let reportUrl = '';

beforeAll(async () => {
  browser = launchChromium();
  // Reported by the tests that await it, not as an unhandled rejection here.
  browser.catch(() => undefined);
  mock = await startMockProcess(['--latency-model', 'simple', '--ttft', '8', '--itl', '1', '--ttft-jitter-cv', '0.3']);
  // Hostile strings as the model name and (below) in the errors.
  const [, hostile] = await Promise.all([profileRun(mock.url, root, 'runs/plain'), profileRun(mock.url, root, 'runs/hostile', XSS_MODEL)]);
  const summaryFile = join(hostile, 'profile_export_aiperf.json');
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  summary.error_summary = [{ error_details: { code: 500, type: XSS, message: `</script>${XSS}` }, count: 1 }];
  writeFileSync(summaryFile, JSON.stringify(summary));
  const plot = spawnSync(process.execPath, [BIN, 'plot', join(root, 'runs'), '-o', join(root, 'plots'), '--format', 'html'], {
    encoding: 'utf8',
  });
  expect(plot.status, plot.stderr).toBe(0);
  reportUrl = `file://${join(root, 'plots', 'report.html')}`;
}, 90_000);
afterAll(async () => {
  await browser?.then(
    (b) => b.close(),
    () => undefined,
  );
  await mock?.stop();
});

/** The report in a fresh page with every request but the report itself aborted and recorded. */
async function openReport(): Promise<{ page: Page; watch: PageWatch }> {
  const page = await (await browser!).newPage({ viewport: { width: 1280, height: 900 } });
  const watch = await watchPage(page, (r) => r.url() === reportUrl);
  await page.goto(reportUrl);
  await page.waitForSelector('section.run');
  return { page, watch };
}

describe('report.html in a browser, offline', () => {
  it('loads with no request leaving the page and no console error, and draws every chart', async () => {
    const { page, watch } = await openReport();
    const charts = page.locator('.chart');
    expect(await charts.count()).toBeGreaterThan(4);
    // Drawn: every container holds a canvas with more than a background's colours on it.
    const colours = await charts.evaluateAll((boxes) =>
      boxes.map((box) => {
        const canvas = box.querySelector('canvas');
        if (!canvas || canvas.width === 0) return 0;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set<number>();
        for (let i = 0; i < pixels.length && seen.size < 50; i += 4 * 7)
          seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
        return seen.size;
      }),
    );
    expect(colours.filter((n) => n < 5)).toEqual([]);
    // Hovering and scrolling do not fetch anything either.
    await page.mouse.move(400, 400);
    await page.mouse.wheel(0, 2000);
    await page.waitForTimeout(200);
    expect(watch).toEqual({ blocked: [], consoleErrors: [], dialogs: [], pageErrors: [] });
    // The summary table has the console's numbers of the run's summary file.
    const summary = JSON.parse(readFileSync(join(root, 'runs', 'plain', 'profile_export_aiperf.json'), 'utf8'));
    const throughput = (summary.request_throughput.avg as number).toLocaleString('en-US', {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    const row = page.locator('section.run[data-run="plain"] table.summary tr', { hasText: 'Request Throughput (requests/sec)' });
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 10_000 }).toBe(throughput);
    await page.close();
  });

  it('shows the value of a point under the pointer', async () => {
    const { page } = await openReport();
    const box = page.locator('section.run[data-run="plain"] .chart').first();
    await box.scrollIntoViewIfNeeded();
    const target = await box.evaluate((el) => {
      const chart = (window as any).echarts.getInstanceByDom(el);
      const series = chart.getOption().series as Array<{ type: string; data: number[][] }>;
      const index = series.findIndex((s) => s.type === 'scatter' && s.data.length > 10);
      // The highest point: an outlier, so no other point shares its pixel and the tooltip is its own.
      const point = series[index]!.data.reduce((a, b) => (b[1]! > a[1]! ? b : a));
      const [x, y] = chart.convertToPixel({ seriesIndex: index }, point) as number[];
      return { x: x!, y: y!, value: point[1]! };
    });
    const where = (await box.boundingBox())!;
    const [x, y] = [where.x + target.x, where.y + target.y];
    // Onto the point from beside it, again at each look: on a loaded machine one move can land
    // before the chart listens, and the tooltip only follows a move.
    await expect
      .poll(
        async () => {
          await page.mouse.move(x - 3, y);
          await page.mouse.move(x, y);
          return (await box.textContent())!.replaceAll(',', '');
        },
        { timeout: 15_000 },
      )
      .toContain(String(target.value));
    await page.close();
  });

  it('hides a run unticked in the run picker and shows it again', async () => {
    const { page } = await openReport();
    const sections = page.locator('section.run');
    expect(await sections.count()).toBe(2);
    await page.locator('#run-picker input[data-run="plain"]').uncheck();
    await expect.poll(() => sections.count(), { timeout: 10_000 }).toBe(1);
    await page.locator('#run-picker input[data-run="plain"]').check();
    await expect.poll(() => sections.count(), { timeout: 10_000 }).toBe(2);
    await page.close();
  });

  it('shows a hostile model name and error message as text, running nothing', async () => {
    const { page, watch } = await openReport();
    const section = page.locator('section.run[data-run="hostile"]');
    expect(await section.locator('pre').textContent()).toContain(`"model_names": [\n      "${XSS_MODEL}"`);
    expect(await section.locator('table.errors tbody tr').allInnerTexts()).toEqual([`${XSS}\t500\t</script>${XSS}\t1`]);
    expect(await page.locator('img').count()).toBe(0);
    await page.waitForTimeout(200);
    expect(watch.dialogs).toEqual([]);
    expect(watch.blocked).toEqual([]);
    await page.close();
  });
});
