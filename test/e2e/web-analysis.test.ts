// The browser app's Analyse tab end to end: `infermark web` on a free loopback port, headless
// Chromium loading traces through the file input. Every number the page shows is the CLI's
// (`analyze-trace`, text and --format json, on the same file); errors read as the CLI's; the
// page asks nothing of any other origin and logs no error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../helpers/browser.js';
import { BIN, type ChildServer, startChildServer } from '../helpers/child-server.js';

const REAL = resolve(__dirname, '../../../shared/data/mooncake/conversation_trace.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'infermark-web-'));
let app: ChildServer | null = null;
let browser: Promise<Browser> | null = null;

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, INFERMARK_BACKEND: undefined },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  browser = launchChromium();
  browser.catch(() => undefined);
  app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0'], { listening: /listening on (http:\/\/\S+)/ });
});

afterAll(async () => {
  await app?.stop('SIGINT');
  await (await browser?.catch(() => null))?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh page of the app; every request to another origin than the app's is aborted and recorded. */
async function openApp(): Promise<{ page: Page; watch: PageWatch }> {
  const page = await (await browser!).newPage();
  const origin = new URL(app!.url).origin;
  const watch = await watchPage(page, (request) => new URL(request.url()).origin === origin);
  await page.goto(app!.url);
  return { page, watch };
}

async function analyse(page: Page, file: string, skipInvalid = false): Promise<void> {
  if (skipInvalid) await page.check('#analyse-skip-invalid');
  await page.setInputFiles('#analyse-file', file);
  await page.waitForSelector('#analyse-result:not([hidden]), [data-testid="error"]:not([hidden])', { timeout: 20_000 });
}

// Scoped to the Analyse tab: the other tabs have their own `progress`, `error` and `download`.
const text = async (page: Page, testId: string): Promise<string> =>
  (await page.locator(`#panel-analyse [data-testid="${testId}"]`).textContent()) ?? '';

/** The console report's summary values by label, and its table rows as cells. */
function consoleReport(stdout: string): { summary: Map<string, string>; rows: string[][] } {
  const summary = new Map<string, string>();
  for (const m of stdout.matchAll(/^([A-Z][a-z ]+):\s+(\S+)$/gm)) summary.set(m[1]!, m[2]!);
  const rows = stdout
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return { summary, rows };
}

describe('infermark web: Analyse', () => {
  it('shows the numbers of analyze-trace for the real conversation trace, offline and without console errors', async () => {
    const json = JSON.parse(cli(['analyze-trace', REAL, '--format', 'json']).stdout) as Record<string, number>;
    const consoleOut = consoleReport(cli(['analyze-trace', REAL]).stdout);
    const { page, watch } = await openApp();
    await analyse(page, REAL);

    expect(Number((await text(page, 'total-requests')).replaceAll(',', ''))).toBe(json.total_requests);
    expect(Number((await text(page, 'unique-prefixes')).replaceAll(',', ''))).toBe(json.unique_prefixes);
    expect(Number((await text(page, 'prefix-groups')).replaceAll(',', ''))).toBe(json.num_prefix_groups);
    expect(await text(page, 'cache-hit-rate')).toBe(`${(json.cache_hit_rate! * 100).toFixed(1)}%`);
    expect(await text(page, 'prefix-reuse-ratio')).toBe(`${(json.prefix_reuse_ratio! * 100).toFixed(1)}%`);
    for (const [label, id] of [
      ['Total requests', 'total-requests'],
      ['Unique prefixes', 'unique-prefixes'],
      ['Prefix groups', 'prefix-groups'],
      ['Cache hit rate', 'cache-hit-rate'],
      ['Prefix reuse ratio', 'prefix-reuse-ratio'],
    ] as const) {
      expect(await text(page, id)).toBe(consoleOut.summary.get(label));
    }
    const rows = await page.$$eval('[data-testid="statistics-table"] tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    expect(rows).toEqual(consoleOut.rows);
    expect(rows).toHaveLength(5);
    for (const chart of ['chart-arrivals', 'chart-isl', 'chart-osl', 'chart-lengths', 'chart-hit-rate']) {
      expect([chart, await page.locator(`[data-testid="${chart}"] canvas`).count()]).toEqual([chart, 1]);
    }
    // Every row of the trace is in the arrivals and both length histograms.
    for (const chart of ['chart-arrivals', 'chart-isl', 'chart-osl']) {
      expect([chart, Number(await page.getAttribute(`[data-testid="${chart}"]`, 'data-rows'))]).toEqual([chart, json.total_requests]);
    }
    expect(await text(page, 'progress')).toMatch(
      /^100%\s+3\.0\/3\.0 MB\s+12,031 rows\s+[\d.,]+ MB\/s\s+[\d,]+ rows\/s\s+WASM memory [\d.,]+ MB$/,
    );

    expect(watch.blocked).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.pageErrors).toEqual([]);
    await page.close();
  }, 40_000);

  it('states a broken row as the CLI does, and with skip-invalid counts and warns as the CLI does', async () => {
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(
      broken,
      [
        '{"timestamp": 0, "input_length": 10, "output_length": 5, "hash_ids": [1]}',
        '{"timestamp": 1, "input_length": "ten", "output_length": 5, "hash_ids": [2]}',
        '{"timestamp": 2, "input_length": 700, "output_length": 5, "hash_ids": [1, 3]}',
        'not json',
        '',
      ].join('\n'),
    );
    const strict = cli(['analyze-trace', 'broken.jsonl']);
    expect(strict.status).toBe(2);
    const { page, watch } = await openApp();
    await analyse(page, broken);
    expect(await text(page, 'error')).toBe(strict.stderr.split('\n')[0]);
    expect(await text(page, 'error')).toMatch(/^error: broken\.jsonl:2: /);

    const lenient = cli(['analyze-trace', 'broken.jsonl', '--skip-invalid', '--format', 'json']);
    const json = JSON.parse(lenient.stdout) as Record<string, number>;
    const page2 = (await openApp()).page;
    await analyse(page2, broken, true);
    expect(Number(await text(page2, 'total-requests'))).toBe(json.total_requests);
    expect(json.total_requests).toBe(2);
    expect(await text(page2, 'cache-hit-rate')).toBe(`${(json.cache_hit_rate! * 100).toFixed(1)}%`);
    const cliWarnings = lenient.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    expect(cliWarnings.length).toBeGreaterThan(0);
    expect((await text(page2, 'warnings')).split('\n')).toEqual(cliWarnings);
    expect(watch.consoleErrors).toEqual([]);
    await page.close();
    await page2.close();
  }, 40_000);
  it('analyses a dropped file at the chosen block size as analyze-trace --block-size does', async () => {
    const content = [
      '{"timestamp": 0, "input_length": 300, "output_length": 5, "hash_ids": [1, 2, 3]}',
      '{"timestamp": 1000, "input_length": 250, "output_length": 7, "hash_ids": [1, 2, 4]}',
      '{"timestamp": 2500, "input_length": 120, "output_length": 9, "hash_ids": [1, 5]}',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'dropped.jsonl'), content);
    const cliOut = consoleReport(cli(['analyze-trace', 'dropped.jsonl', '--block-size', '100']).stdout);
    const { page, watch } = await openApp();
    await page.fill('#analyse-block-size', '0');
    await page.setInputFiles('#analyse-file', join(dir, 'dropped.jsonl'));
    expect(await text(page, 'error')).toBe(cli(['analyze-trace', 'dropped.jsonl', '--block-size', '0']).stderr.trim());
    await page.fill('#analyse-block-size', '100');
    await page.evaluate((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.jsonl'));
      document
        .getElementById('drop-zone')!
        .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, content);
    await page.waitForSelector('#analyse-result:not([hidden])', { timeout: 20_000 });
    expect(await text(page, 'total-requests')).toBe(cliOut.summary.get('Total requests'));
    expect(await text(page, 'cache-hit-rate')).toBe(cliOut.summary.get('Cache hit rate'));
    expect(await text(page, 'unique-prefixes')).toBe(cliOut.summary.get('Unique prefixes'));
    const rows = await page.$$eval('[data-testid="statistics-table"] tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    expect(rows).toEqual(cliOut.rows);
    expect(watch.consoleErrors).toEqual([]);
    await page.close();
  }, 30_000);
});
