// The browser app's Synthesise and Hash prompts tabs end to end: `infermark web` on a free loopback
// port, headless Chromium choosing files and flags; the downloaded output is byte for byte what
// `infermark synthesize` / `hash-prompts` write for the same input and flags, the page shows the
// CLI's summary and side-by-side analysis, and errors read as the CLI's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type PageWatch, watchPage } from '../helpers/browser.js';
import { BIN, type ChildServer, startChildServer } from '../helpers/child-server.js';

const REAL = resolve(__dirname, '../../../shared/data/mooncake/conversation_trace.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'infermark-web-synth-'));
const TRACE = join(dir, 'trace.jsonl');
const BAD = join(dir, 'bad.jsonl');
const PROMPTS = join(dir, 'prompts.jsonl');
const BAD_PROMPTS = join(dir, 'bad-prompts.jsonl');
let app: ChildServer | null = null;
let browser: Promise<Browser> | null = null;

/** Runs the CLI in the scratch dir writing `out.jsonl`; returns its stderr and the output bytes. */
function cli(args: string[]): { status: number | null; stderr: string; output: Buffer | null } {
  const out = join(dir, 'out.jsonl');
  rmSync(out, { force: true });
  const r = spawnSync(process.execPath, [BIN, ...args, '-o', 'out.jsonl'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, INFERMARK_BACKEND: undefined },
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, output: existsSync(out) ? readFileSync(out) : null };
}

beforeAll(async () => {
  browser = launchChromium();
  browser.catch(() => undefined);
  // The first 2,000 rows of the real trace: every kind of row, a second per run.
  const rows = readFileSync(REAL, 'utf8').split('\n').slice(0, 2000);
  writeFileSync(TRACE, `${rows.join('\n')}\n`);
  writeFileSync(BAD, `${rows.slice(0, 3).join('\n')}\n{"input_length":"abc"}\n${rows.slice(3, 6).join('\n')}\n`);
  writeFileSync(
    PROMPTS,
    `${[
      { prompt: 'You are a helpful assistant. Summarise the report below in three bullet points: revenue grew 12%.' },
      { prompt: 'You are a helpful assistant. Summarise the report below in three bullet points: costs fell 3%.', timestamp: 500 },
      { text: 'Translate to French: the cat sleeps on the warm windowsill.', output_length: 30 },
    ]
      .map((p) => JSON.stringify(p))
      .join('\n')}\n`,
  );
  writeFileSync(BAD_PROMPTS, '{"prompt":"first prompt, fine"}\n{"prompt":42}\n{"text":"third prompt, fine"}\n');
  app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0'], { listening: /listening on (http:\/\/\S+)/ });
});

afterAll(async () => {
  await app?.stop('SIGINT');
  await (await browser?.catch(() => null))?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openTab(tab: 'synthesise' | 'hash-prompts'): Promise<{ page: Page; watch: PageWatch }> {
  const page = await (await browser!).newPage();
  const origin = new URL(app!.url).origin;
  const watch = await watchPage(page, (request) => new URL(request.url()).origin === origin);
  await page.goto(app!.url);
  await page.click(`#tab-${tab}`);
  return { page, watch };
}

/** Waits for the run to end; returns the downloaded bytes, or null when the page shows an error. */
async function finish(page: Page, panel: string): Promise<Buffer | null> {
  await page.waitForSelector(`${panel} [data-testid="download"]:not([hidden]), ${panel} [data-testid="error"]:not([hidden])`, {
    timeout: 30_000,
  });
  if (await page.locator(`${panel} [data-testid="error"]`).isVisible()) return null;
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${panel} [data-testid="download"]`)]);
  const path = await download.path();
  return readFileSync(path);
}

const SYNTH = '#panel-synthesise';
const text = async (page: Page, panel: string, testId: string): Promise<string> =>
  (await page.locator(`${panel} [data-testid="${testId}"]`).textContent()) ?? '';

async function synthesise(
  page: Page,
  file: string,
  mode: 'transform' | 'generate',
  fields: Record<string, string>,
  skipInvalid = false,
): Promise<Buffer | null> {
  await page.setInputFiles('#synth-file', file);
  await page.selectOption('#synth-mode', mode);
  for (const [flag, value] of Object.entries(fields)) await page.fill(`#synth-${flag}`, value);
  if (skipInvalid) await page.check('#synth-skip-invalid');
  await page.click('#synth-run');
  return finish(page, SYNTH);
}

const FLAG_SETS: { name: string; mode: 'transform' | 'generate'; fields: Record<string, string> }[] = [
  { name: 'no flags', mode: 'transform', fields: {} },
  {
    name: 'every transform flag',
    mode: 'transform',
    fields: {
      'synthesis-speedup-ratio': '2',
      'synthesis-prefix-len-multiplier': '1.5',
      'synthesis-prefix-root-multiplier': '2',
      'synthesis-prompt-len-multiplier': '0.75',
      'synthesis-output-len-multiplier': '1.25',
      'synthesis-max-isl': '40000',
      'synthesis-max-osl': '300',
      'random-seed': '11',
    },
  },
  { name: 'generate mode', mode: 'generate', fields: { 'num-requests': '500', 'random-seed': '3', 'synthesis-min-osl': '20' } },
];

describe('infermark web: Synthesise', () => {
  it("downloads the CLI's bytes and shows its summary and side-by-side analysis for each flag set, offline and without console errors", async () => {
    const { page, watch } = await openTab('synthesise');
    for (const set of FLAG_SETS) {
      const expected = cli([
        'synthesize',
        'trace.jsonl',
        '--mode',
        set.mode,
        ...Object.entries(set.fields).flatMap(([k, v]) => [`--${k}`, v]),
      ]);
      expect(expected.status, expected.stderr).toBe(0);
      await page.reload();
      await page.click('#tab-synthesise');
      const bytes = await synthesise(page, TRACE, set.mode, set.fields);
      expect(bytes, `${set.name}: ${await text(page, SYNTH, 'error')}`).not.toBeNull();
      expect(bytes!.equals(expected.output!), set.name).toBe(true);
      const printed = `${await text(page, SYNTH, 'messages')}\n${await text(page, SYNTH, 'side-by-side')}`;
      expect(`${printed.trimEnd()}\nOutput written to out.jsonl\n`).toBe(expected.stderr);
    }
    expect(watch.blocked).toEqual([]);
    expect([...watch.consoleErrors, ...watch.pageErrors]).toEqual([]);
  }, 40_000);

  it("shows the CLI's error for a broken row and a bad flag; with skip-invalid downloads what the CLI writes", async () => {
    const { page } = await openTab('synthesise');
    const strict = cli(['synthesize', 'bad.jsonl']);
    expect(strict.status).toBe(2);
    expect(await synthesise(page, BAD, 'transform', {})).toBeNull();
    expect(await text(page, SYNTH, 'error')).toBe(strict.stderr.trimEnd());

    const badFlag = cli(['synthesize', 'trace.jsonl', '--synthesis-speedup-ratio', '0']);
    expect(badFlag.status).toBe(2);
    await page.reload();
    await page.click('#tab-synthesise');
    expect(await synthesise(page, TRACE, 'transform', { 'synthesis-speedup-ratio': '0' })).toBeNull();
    expect(await text(page, SYNTH, 'error')).toBe(badFlag.stderr.trimEnd());

    const lenient = cli(['synthesize', 'bad.jsonl', '--skip-invalid']);
    expect(lenient.status).toBe(0);
    await page.reload();
    await page.click('#tab-synthesise');
    const bytes = await synthesise(page, BAD, 'transform', {}, true);
    expect(bytes!.equals(lenient.output!)).toBe(true);
    expect(await text(page, SYNTH, 'messages')).toBe(lenient.stderr.split('\n').slice(0, 2).join('\n'));
  }, 30_000);
  it('stops a long generate run on Cancel and says so', async () => {
    const { page, watch } = await openTab('synthesise');
    await page.setInputFiles('#synth-file', TRACE);
    await page.selectOption('#synth-mode', 'generate');
    // Fifty million rows take minutes: Cancel comes while rows are being generated.
    await page.fill('#synth-num-requests', '50000000');
    await page.click('#synth-run');
    await page.waitForFunction(() =>
      /\b[1-9][\d,]* rows\b/.test(document.querySelector('#panel-synthesise [data-testid="progress"]')?.textContent ?? ''),
    );
    await page.click('#synth-cancel');
    await page.waitForSelector(`${SYNTH} [data-testid="error"]:not([hidden])`, { timeout: 10_000 });
    expect(await text(page, SYNTH, 'error')).toBe('cancelled: the synthesis was stopped');
    expect(await page.locator(`${SYNTH} [data-testid="download"]`).isHidden()).toBe(true);
    expect([...watch.consoleErrors, ...watch.pageErrors]).toEqual([]);
  }, 30_000);
});

describe('infermark web: Hash prompts', () => {
  it("downloads the CLI's trace with the bundled Qwen3 tokenizer and shows its summary", async () => {
    const expected = cli(['hash-prompts', 'prompts.jsonl', '--block-size', '8']);
    expect(expected.status, expected.stderr).toBe(0);
    const { page, watch } = await openTab('hash-prompts');
    await page.setInputFiles('#hash-prompts-file', PROMPTS);
    await page.fill('#hash-prompts-block-size', '8');
    await page.click('#hash-prompts-run');
    const bytes = await finish(page, '#panel-hash-prompts');
    expect(bytes, await text(page, '#panel-hash-prompts', 'error')).not.toBeNull();
    expect(bytes!.toString()).toBe(expected.output!.toString());
    expect(`${await text(page, '#panel-hash-prompts', 'messages')}\n`).toBe(expected.stderr);
    expect(watch.blocked).toEqual([]);
    expect([...watch.consoleErrors, ...watch.pageErrors]).toEqual([]);
  }, 30_000);
  it("shows the CLI's error for a bad prompt row; with skip-invalid downloads what the CLI writes", async () => {
    const panel = '#panel-hash-prompts';
    const strict = cli(['hash-prompts', 'bad-prompts.jsonl']);
    expect(strict.status).toBe(2);
    const { page } = await openTab('hash-prompts');
    await page.setInputFiles('#hash-prompts-file', BAD_PROMPTS);
    await page.click('#hash-prompts-run');
    expect(await finish(page, panel)).toBeNull();
    expect(await text(page, panel, 'error')).toBe(strict.stderr.trimEnd());

    const lenient = cli(['hash-prompts', 'bad-prompts.jsonl', '--skip-invalid']);
    expect(lenient.status, lenient.stderr).toBe(0);
    await page.check('#hash-prompts-skip-invalid');
    await page.click('#hash-prompts-run');
    const bytes = await finish(page, panel);
    expect(bytes!.equals(lenient.output!)).toBe(true);
    expect(`${await text(page, panel, 'messages')}\n`).toBe(lenient.stderr);
  }, 30_000);
});
