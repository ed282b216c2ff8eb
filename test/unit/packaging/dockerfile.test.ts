// The Dockerfile's structure (no Docker daemon runs in CI, so the image is not built here): its
// stages, what the runtime stage copies against what the CLI reads at run time, the non-root user,
// the entrypoint, and a .dockerignore that keeps build outputs out but lets the sources in.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  base: string;
  name: string | null;
  instructions: Instruction[];
}

/** The Dockerfile as stages of instructions (comments dropped, `\` continuations joined). */
function stages(text: string): Stage[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const out: Stage[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    expect(keyword, `not an instruction: ${line}`).toBeDefined();
    const upper = keyword!.toUpperCase();
    if (upper === 'FROM') {
      const [, base, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args!) ?? [];
      out.push({ base: base!, name: name ?? null, instructions: [] });
    } else {
      expect(out.length, `${upper} before the first FROM`).toBeGreaterThan(0);
      out.at(-1)!.instructions.push({ keyword: upper, args: args! });
    }
  }
  return out;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const runtime = all.at(-1)!;
const of = (stage: Stage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
/** `[--from=stage] source… destination` of a COPY. */
function copies(stage: Stage): { from: string | null; sources: string[]; destination: string }[] {
  return of(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
    const destination = words.pop()!;
    return { from, sources: words, destination };
  });
}

/**
 * The .dockerignore patterns. Docker matches them from the context root (Go's filepath.Match, not
 * gitignore's any-depth rule); a matched directory excludes everything under it.
 */
const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
function isIgnored(path: string): boolean {
  return ignored.some((pattern) =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`).test(path),
  );
}

describe('Dockerfile', () => {
  it('builds in named stages: the core with a Rust toolchain, the TypeScript on Node 20', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
    const named = new Map(all.filter((s) => s.name !== null).map((s) => [s.name!, s]));
    expect(named.get('wasm')?.base).toMatch(/^rust:/);
    expect(of(named.get('wasm')!, 'RUN').join('\n')).toContain('wasm32-unknown-unknown');
    expect(of(named.get('wasm')!, 'RUN').join('\n')).toContain('scripts/build-wasm.sh');
    expect(named.get('build')?.base).toMatch(/^node:20[.-]/);
  });

  it('runs on a slim Node 20 image, with the WASM backend chosen', () => {
    expect(runtime.name).toBeNull();
    expect(runtime.base).toMatch(/^node:20-[a-z]*-?slim$/);
    expect(of(runtime, 'ENV').join(' ')).toMatch(/\bINFERMARK_BACKEND=wasm\b/);
    // The runtime stage compiles nothing: no npm install and no toolchain.
    expect(of(runtime, 'RUN').join('\n')).not.toMatch(/npm (ci|install)|cargo|rustup|apt-get/);
  });

  it('runs as a numeric non-root user, so Kubernetes can check runAsNonRoot', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.split(':')[0]!;
    expect(user).toMatch(/^[0-9]+$/);
    expect(Number(user)).not.toBe(0);
    // The manifests of `k8s render` run as the same user.
    expect(readFileSync(join(ROOT, 'ts/src/k8s/manifests.ts'), 'utf8')).toContain(`const RUN_AS_USER = ${user};`);
  });

  it('has infermark as its entrypoint (exec form), on the PATH', () => {
    expect(of(runtime, 'ENTRYPOINT')).toEqual(['["infermark"]']);
    expect(of(runtime, 'RUN').join('\n')).toMatch(/ln -s \/app\/dist\/bin\.js \/usr\/local\/bin\/infermark/);
    expect(readFileSync(join(ROOT, 'ts/src/bin.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('copies into the runtime what the CLI reads at run time', () => {
    const copied = copies(runtime).map((c) => c.destination.replace(/^\.\//, ''));
    for (const needed of ['package.json', 'node_modules', 'dist', 'ts/assets', 'bindings/wasm/pkg/node']) expect(copied).toContain(needed);
    // Where the loader and the corpus look (kept in step with the sources).
    expect(readFileSync(join(ROOT, 'ts/src/trace-core/loader.ts'), 'utf8')).toContain("'bindings/wasm/pkg/node/trace_core_wasm.js'");
    expect(readFileSync(join(ROOT, 'ts/src/tokenizer/corpus.ts'), 'utf8')).toContain('ts/assets/corpus.txt');
  });

  it('copies only from earlier stages, and from the context only files that exist and are not ignored', () => {
    const seen = new Set<string>();
    for (const stage of all) {
      for (const copy of copies(stage)) {
        if (copy.from !== null) {
          expect(seen, `COPY --from=${copy.from}`).toContain(copy.from);
          continue;
        }
        for (const source of copy.sources) {
          expect(existsSync(join(ROOT, source)), source).toBe(true);
          expect(isIgnored(source), `${source} is excluded by .dockerignore`).toBe(false);
        }
      }
      if (stage.name !== null) seen.add(stage.name);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps build outputs and local state out of the build context', () => {
    for (const path of [
      'node_modules',
      'target',
      'dist',
      '.git',
      'bindings/wasm/pkg',
      'bindings/napi/trace-core-napi.linux-x64-gnu.node',
      'artifacts',
    ]) {
      expect(isIgnored(path), path).toBe(true);
    }
  });

  it('lets the sources in', () => {
    for (const path of [
      'ts/src/bin.ts',
      'crates/trace-core/Cargo.toml',
      'bindings/wasm/src',
      'package-lock.json',
      'scripts/build-wasm.sh',
    ]) {
      expect(isIgnored(path), path).toBe(false);
    }
  });
});
