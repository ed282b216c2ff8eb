// Backend choice (INFERMARK_BACKEND override, lazy, explained) and error normalisation.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TraceCoreError, normaliseBackendError } from '../../../ts/src/trace-core/errors.js';

type LoaderModule = typeof import('../../../ts/src/trace-core/loader.js');

async function freshLoader(backend: string | undefined): Promise<LoaderModule> {
  vi.resetModules();
  if (backend === undefined) delete process.env.INFERMARK_BACKEND;
  else process.env.INFERMARK_BACKEND = backend;
  return import('../../../ts/src/trace-core/loader.js');
}

const saved = process.env.INFERMARK_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.INFERMARK_BACKEND;
  else process.env.INFERMARK_BACKEND = saved;
});

describe('backend loader', () => {
  it('prefers native when nothing is forced, and records the attempt', async () => {
    const loader = await freshLoader(undefined);
    expect(loader.backendAttempts()).toEqual([]);
    expect(loader.backendName()).toBe('native');
    expect(loader.backendAttempts()).toEqual([
      { backend: 'native', ok: true, detail: expect.stringMatching(/bindings\/napi\/index\.js$/) },
    ]);
  });

  it('honours INFERMARK_BACKEND=wasm without touching native', async () => {
    const loader = await freshLoader('wasm');
    expect(loader.getBackend().name).toBe('wasm');
    expect(loader.backendAttempts().map((a) => a.backend)).toEqual(['wasm']);
  });

  it('rejects an unknown INFERMARK_BACKEND with a coded error naming the choices', async () => {
    const loader = await freshLoader('gpu');
    const err = (() => {
      try {
        loader.getBackend();
      } catch (e) {
        return e;
      }
      return null;
    })();
    // resetModules gave the loader its own copy of the errors module.
    const { TraceCoreError: FreshTraceCoreError } = await import('../../../ts/src/trace-core/errors.js');
    expect(err).toBeInstanceOf(FreshTraceCoreError);
    expect((err as TraceCoreError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as TraceCoreError).message).toBe("INFERMARK_BACKEND must be one of native, wasm, got 'gpu'");
  });

  it('finds the package root from the source tree', async () => {
    const loader = await freshLoader(undefined);
    const root = loader.packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('infermark');
    expect(existsSync(join(root, 'bindings', 'napi', 'Cargo.toml'))).toBe(true);
  });
});

describe('normaliseBackendError', () => {
  it('keeps code, reason, file, line and field of a binding error', () => {
    const raw = Object.assign(new Error('t.jsonl:3: input_length: bad'), {
      code: 'INVALID_ROW',
      reason: 'bad_type',
      file: 't.jsonl',
      line: 3,
      field: 'input_length',
    });
    const e = normaliseBackendError(raw);
    expect(e).toBeInstanceOf(TraceCoreError);
    expect([e.code, e.reason, e.file, e.line, e.field, e.message]).toEqual([
      'INVALID_ROW',
      'bad_type',
      't.jsonl',
      3,
      'input_length',
      't.jsonl:3: input_length: bad',
    ]);
    expect(e.cause).toBe(raw);
  });

  it('turns an uncoded failure (a WASM trap, a type error) into INTERNAL', () => {
    const e = normaliseBackendError(new WebAssembly.RuntimeError('unreachable'));
    expect([e.code, e.message]).toEqual(['INTERNAL', 'trace core failed: unreachable']);
    expect(normaliseBackendError(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })).code).toBe('INTERNAL');
  });

  it('passes a TraceCoreError through unchanged', () => {
    const e = new TraceCoreError('ANALYZER_STATE', 'finished');
    expect(normaliseBackendError(e)).toBe(e);
  });
});
