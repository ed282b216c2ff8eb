// The import structure of ts/src (docs/ARCHITECTURE.md): imports point down the layers, nothing
// outside the CLI imports the CLI, and no two folders depend on each other in a circle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../ts/src');

/** Top to bottom. A module may import from its own layer or a lower one, never from a higher one. */
const LAYERS: readonly (readonly string[])[] = [
  ['bin.ts', 'index.ts', 'web'],
  ['cli'],
  ['profile', 'sweep', 'merge'],
  ['report', 'load', 'synthesis', 'analysis', 'plot', 'static-site', 'live', 'k8s'],
  ['metrics', 'dataset', 'server'],
  ['tokenizer'],
  ['io', 'config', 'random', 'endpoints'],
  ['trace-core', 'embedded-assets.ts', 'errors.ts', 'version.ts', 'worker-threads.ts', 'long-timeout.ts', 'heap-pacer.ts'],
];

/** A module's unit: its top-level folder, or the file itself at the root of ts/src. */
function unitOf(path: string): string {
  return relative(SRC, path).split('/')[0]!;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*)'(\.{1,2}\/[^']+)'/g;

/** Every relative import of ts/src as [importing file, imported file]. */
function imports(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const file of sources(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) out.push([file, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))]);
  }
  return out;
}

function edges(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [from, to] of imports()) {
    const a = unitOf(from);
    // The browser app imports the WASM binding's browser build (bindings/wasm/pkg/web) directly:
    // outside ts/src, so in no layer (test/unit/architecture/web-bundle.test.ts checks that bundle).
    if (relative(SRC, to).startsWith('..')) continue;
    const b = unitOf(to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  return graph;
}

describe('ts/src import structure', () => {
  it('finds the imports it checks (the pattern matches this codebase)', () => {
    expect(imports().length).toBeGreaterThan(200);
  });

  it('places every top-level folder and root file in a layer', () => {
    const placed = new Set(LAYERS.flat());
    const units = new Set(sources(SRC).map(unitOf));
    expect([...units].filter((u) => !placed.has(u))).toEqual([]);
  });

  it('has no module outside ts/src/cli importing from it (the CLI is a client of the library)', () => {
    const offenders = imports()
      .filter(([from, to]) => unitOf(to) === 'cli' && !['cli', 'bin.ts'].includes(unitOf(from)))
      .map(([from, to]) => `${relative(SRC, from)} -> ${relative(SRC, to)}`);
    expect(offenders).toEqual([]);
  });

  it('imports only from the same or a lower layer', () => {
    const layer = new Map(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));
    const upward: string[] = [];
    for (const [a, targets] of edges())
      for (const b of targets) if ((layer.get(b) ?? -1) < (layer.get(a) ?? -1)) upward.push(`${a} -> ${b}`);
    expect(upward).toEqual([]);
  });

  it('has no circle between folders', () => {
    const graph = edges();
    const cycles: string[] = [];
    const state = new Map<string, 'active' | 'done'>();
    const visit = (u: string, path: string[]): void => {
      if (state.get(u) === 'done') return;
      if (state.get(u) === 'active') {
        cycles.push([...path.slice(path.indexOf(u)), u].join(' -> '));
        return;
      }
      state.set(u, 'active');
      for (const v of graph.get(u) ?? []) visit(v, [...path, u]);
      state.set(u, 'done');
    };
    for (const u of graph.keys()) visit(u, []);
    expect(cycles).toEqual([]);
  });
});
