// Both bindings expose the same JS names (STYLE.md: "the same JS names on both backends").
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../../ts/src/trace-core/loader.js';

/** Public method and getter names of a binding class, without wasm-bindgen's memory helpers. */
function members(cls: { prototype: object }): string[] {
  return Object.getOwnPropertyNames(cls.prototype)
    .filter((n) => n !== 'constructor' && n !== 'free' && !n.startsWith('__'))
    .sort();
}

describe('binding API shape', () => {
  it('gives native and WASM the same analysis exports and TraceAnalyzer members', () => {
    const native = loadBackend('native').bindings;
    const wasm = loadBackend('wasm').bindings;
    const expected = ['bytesConsumed', 'finishJson', 'inconsistentWarning', 'push', 'rowsParsed', 'skippedJson', 'skippedWarning'];
    expect(members(native.TraceAnalyzer)).toEqual(expected);
    expect(members(wasm.TraceAnalyzer)).toEqual(expected);
    expect(typeof native.analyzeTrace).toBe('function');
    expect(typeof wasm.analyzeTrace).toBe('function');
  });

  it('gives native and WASM the same ReplayDataset members', () => {
    const expected = [
      'bytesConsumed',
      'datasetType',
      'delays',
      'finish',
      'finishLearn',
      'memoryBytes',
      'needsLearnPass',
      'promptText',
      'promptTokens',
      'push',
      'pushLearn',
      'rows',
      'sessionStart',
      'sessions',
      'setTables',
      'skippedWarning',
      'summaryJson',
      'timestamps',
      'toBytes',
      'turnJson',
      'turns',
    ];
    expect(members(loadBackend('native').bindings.ReplayDataset)).toEqual(expected);
    expect(members(loadBackend('wasm').bindings.ReplayDataset)).toEqual(expected);
    // the static factory of a dataset rebuilt from toBytes
    expect(typeof loadBackend('native').bindings.ReplayDataset.fromBytes).toBe('function');
    expect(typeof loadBackend('wasm').bindings.ReplayDataset.fromBytes).toBe('function');
  });

  it('exports the same top-level names from both bindings', () => {
    const names = (m: object): string[] =>
      Object.keys(m)
        .filter((k) => !k.startsWith('__') && k !== 'initSync' && k !== 'default')
        .sort();
    expect(names(loadBackend('wasm').bindings)).toEqual(names(loadBackend('native').bindings));
  });
});
