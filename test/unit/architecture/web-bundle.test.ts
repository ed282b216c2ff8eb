// The browser app (ts/src/web) bundles without any Node module: what it pulls in from the rest
// of ts/src is pure code, nothing outside ts/src/web imports it, and its bundles import nothing
// at run time (every path is relative to the page).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script without declarations
import { webBuildOptions } from '../../../scripts/build-web.mjs';

const SRC = resolve(__dirname, '../../../ts/src');

async function bundleMeta(): Promise<{ inputs: string[]; imports: string[] }> {
  const result = await build({ ...webBuildOptions('/tmp/unused-infermark-web'), write: false, metafile: true, logLevel: 'silent' });
  const meta = result.metafile!;
  return {
    inputs: Object.keys(meta.inputs),
    imports: Object.values(meta.outputs).flatMap((o) => o.imports.map((i) => i.path)),
  };
}

describe('the browser bundle', () => {
  it('builds from ts/src/web, the trace core WASM binding and ECharts, with no Node built-in', async () => {
    const { inputs } = await bundleMeta();
    expect(inputs.some((i) => i.startsWith('ts/src/web/'))).toBe(true);
    expect(inputs.some((i) => i.includes('bindings/wasm/pkg/web/'))).toBe(true);
    expect(inputs.some((i) => i.includes('node_modules/echarts/'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || /^(fs|path|os|child_process|worker_threads|http)$/.test(i))).toEqual([]);
    // Only the pure layers of ts/src reach the page: analysis reports, the synthesis and hash-prompts
    // pipelines and the tokenizer adapter the CLI shares with the app (never their Node-bound siblings).
    const fromSrc = inputs.filter((i) => i.startsWith('ts/src/') && !i.startsWith('ts/src/web/'));
    const shared =
      /^ts\/src\/(report|trace-core|config)\/|^ts\/src\/synthesis\/(streams|hash-prompts|summary)\.ts$|^ts\/src\/tokenizer\/(lenml-adapter|encode-batch|count-windows|long-words|token-bytes)\.ts$/;
    expect(fromSrc.filter((i) => !shared.test(i))).toEqual([]);
  }, 30_000);

  it('imports nothing at run time but its own worker (no external module, no CDN)', async () => {
    const { imports } = await bundleMeta();
    expect(imports.filter((p) => !p.endsWith('worker.js'))).toEqual([]);
  }, 30_000);

  it('is imported by nothing else in ts/src', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const offenders = files(SRC)
      .filter((f) => !relative(SRC, f).startsWith('web/'))
      .filter((f) => /from\s+'[^']*\/web\//.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('declares a Content-Security-Policy that allows no other origin', () => {
    const html = readFileSync(join(SRC, 'web', 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
