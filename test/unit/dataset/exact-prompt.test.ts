// Issue 9: synthetic prompts were one token short in 5–15 % of requests (`--isl 512` sent 511),
// because a decoded window of corpus tokens does not re-encode to the same tokens at its seams.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSyntheticDataset, inexactNotice, inexactPrompts, type SyntheticOptions } from '../../../ts/src/dataset/synthetic.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';
import { withSystemPrompt } from '../../../ts/src/dataset/trace-file.js';

let builtin: Tokenizer;
beforeAll(async () => {
  builtin = await loadTokenizer('builtin');
}, 30_000);

afterEach(() => {
  vi.unstubAllEnvs();
});

function options(isl: number, numDatasetEntries: number, more: Partial<SyntheticOptions> = {}): SyntheticOptions {
  return { isl, islStddev: 0, osl: 16, oslStddev: 0, numDatasetEntries, seed: 42n, sharedSystemPromptLength: null, ...more };
}

/** Entries whose text does not re-encode to the requested length, as `index: actual/requested`. */
function misses(tok: Tokenizer, isl: number, n: number, more: Partial<SyntheticOptions> = {}): string[] {
  const ds = buildSyntheticDataset(tok, options(isl, n, more), 'chat');
  expect(ds.entries).toHaveLength(n);
  return ds.entries.filter((e) => tok.count(e.text) !== e.requestedIsl).map((e) => `${e.index}: ${tok.count(e.text)}/${e.requestedIsl}`);
}

describe('synthetic prompts re-encode to exactly the requested ISL (bundled Qwen3 tokenizer)', () => {
  // Before the fix, of 300 prompts: 1 missed at ISL 7, 12 at 128, 40 at 512 and 226 at 3000.
  it.each([
    [1, 300],
    [2, 300],
    [7, 300],
    [128, 300],
    [512, 200],
    [3000, 50],
  ])('ISL %i: all %i prompts', (isl, n) => {
    expect(misses(builtin, isl, n)).toEqual([]);
  });

  it('drawn lengths (ISL 300 ± 200) are exact too, and each entry records its ISL as requested', () => {
    const ds = buildSyntheticDataset(builtin, options(300, 200, { islStddev: 200, seed: 7n }), 'chat');
    expect(new Set(ds.entries.map((e) => e.requestedIsl)).size).toBeGreaterThan(80);
    for (const e of ds.entries) {
      expect(builtin.count(e.text)).toBe(e.requestedIsl);
      expect(e.clientIsl).toBe(e.requestedIsl);
    }
    expect(ds.inexact).toEqual([]);
    expect(inexactNotice(ds)).toBeNull();
  });

  it('chat: the shared system prompt is exact alone and every entry counts system + user', () => {
    for (const system of [1, 7, 250]) {
      const ds = buildSyntheticDataset(builtin, options(100, 60, { islStddev: 60, sharedSystemPromptLength: system }), 'chat');
      expect(builtin.count(ds.systemPrompt!)).toBe(system);
      for (const e of ds.entries) {
        expect(builtin.count(e.text)).toBe(e.requestedIsl);
        expect(e.clientIsl).toBe(system + e.requestedIsl);
      }
      expect(ds.inexact).toEqual([]);
    }
  });

  it('completions: the system prompt followed by the prompt, sent as one string, encodes to the sum', () => {
    for (const system of [1, 7, 250]) {
      const ds = buildSyntheticDataset(builtin, options(100, 60, { islStddev: 60, sharedSystemPromptLength: system }), 'completions');
      for (const e of ds.entries) {
        expect(builtin.count(ds.systemPrompt! + e.text)).toBe(system + e.requestedIsl);
        expect(e.clientIsl).toBe(system + e.requestedIsl);
      }
      expect(ds.inexact).toEqual([]);
    }
  });
});

describe('prefix prompts (--prompt-prefix-pool-size, --prompt-prefix-length)', () => {
  it('start every prompt with one prefix of the pool, and prefix + prompt encode to the sum', () => {
    for (const endpoint of ['chat', 'completions'] as const) {
      const ds = buildSyntheticDataset(builtin, options(40, 60, { islStddev: 20, prefixPrompts: { poolSize: 3, length: 128 } }), endpoint);
      const used = new Set<string>();
      for (const e of ds.entries) {
        const total = builtin.count(e.text);
        expect(total).toBe(128 + e.requestedIsl);
        expect(e.clientIsl).toBe(total);
        // The first 128 tokens are one of three texts: the pool.
        used.add(builtin.decode(builtin.encode(e.text).slice(0, 128)));
      }
      expect(used.size).toBe(3);
      expect(ds.inexact).toEqual([]);
    }
  });

  it('are the same for the same seed, and another seed draws other prefixes', () => {
    const build = (seed: bigint) =>
      buildSyntheticDataset(builtin, options(10, 5, { seed, prefixPrompts: { poolSize: 2, length: 30 } }), 'chat').entries.map(
        (e) => e.text,
      );
    expect(build(1n)).toEqual(build(1n));
    expect(build(2n)).not.toEqual(build(1n));
  });

  it('name a prefix that could not be made exact as a prefix, not as the system prompt', () => {
    const ds = { entries: [], systemPrompt: null, inexact: [{ index: null, prefix: 2, requested: 5, actual: 6 }] };
    expect(inexactPrompts(ds)).toEqual(['prefix prompt 2 encodes to 6 tokens, not the 5 requested; sent as it is']);
    expect(inexactNotice(ds)).toContain('prefix prompt 2 encodes to 6 tokens, not 5');
  });
});

describe('--system-prompt', () => {
  it('is sent verbatim as the system prompt, and counts in the ISL as it encodes', () => {
    const text = 'You are a terse assistant.\nAnswer in one line.';
    for (const endpoint of ['chat', 'completions'] as const) {
      const ds = buildSyntheticDataset(builtin, options(30, 20, { systemPromptText: text }), endpoint);
      expect(ds.systemPrompt).toBe(text);
      const system = builtin.count(text);
      for (const e of ds.entries) {
        expect(e.clientIsl).toBe(system + e.requestedIsl);
        if (endpoint === 'completions') expect(builtin.count(text + e.text)).toBe(system + e.requestedIsl);
      }
      expect(ds.inexact).toEqual([]);
    }
  });

  it("comes before a file session's own system message, after a blank line", () => {
    expect(withSystemPrompt('Be brief.', 'You are a pirate.')).toBe('Be brief.\n\nYou are a pirate.');
    expect(withSystemPrompt('Be brief.', null)).toBe('Be brief.');
    expect(withSystemPrompt(null, 'You are a pirate.')).toBe('You are a pirate.');
  });
});

describe('synthetic prompts are exact under every bundled tokenizer', () => {
  it.each([
    'builtin:qwen2.5',
    'builtin:llama3',
    'builtin:llama3.1',
    'builtin:deepseek-v3',
    'builtin:mistral-nemo',
    'builtin:o200k',
    'builtin:gpt-oss',
  ])(
    '%s',
    async (spec) => {
      const tok = await loadTokenizer(spec);
      expect(tok.name).toBe(spec);
      for (const [isl, n] of [
        [1, 20],
        [7, 20],
        [512, 20],
        [3000, 4],
      ] as const) {
        expect(misses(tok, isl, n), `ISL ${isl}`).toEqual([]);
      }
    },
    60_000,
  );
});

/**
 * A tokenizer no text can be exact under: every character encodes to two tokens, every token
 * decodes to one character, so a text of n tokens would need n/2 characters and n ids decode to n.
 */
function doublingTokenizer(): Tokenizer {
  const encode = (text: string): number[] => Array.from(text).flatMap((c) => [c.charCodeAt(0), c.charCodeAt(0)]);
  return {
    name: 'test:doubling',
    encode,
    decode: (ids) => String.fromCharCode(...ids),
    count: (text) => encode(text).length,
    bosTokenId: null,
    eosTokenId: null,
    tokenBytes: () => {
      throw new Error('synthetic prompts never need the token byte table');
    },
  };
}

describe('a prompt that cannot be made exact', () => {
  it('is sent as it is, with the ISL it has, and listed by index with both lengths', () => {
    vi.stubEnv('INFERMARK_CACHE_DIR', mkdtempSync(join(tmpdir(), 'im-exact-')));
    const tok = doublingTokenizer();
    const ds = buildSyntheticDataset(tok, options(5, 4), 'chat');
    for (const e of ds.entries) expect(e.clientIsl).toBe(tok.count(e.text));
    expect(ds.inexact).toEqual(ds.entries.map((e) => ({ index: e.index, requested: 5, actual: e.clientIsl })));
    expect(ds.inexact.every((p) => p.actual !== 5)).toBe(true);
    const actual = ds.entries.map((e) => e.clientIsl);
    expect(inexactPrompts(ds)).toEqual(
      actual.map((a, i) => `synthetic prompt ${i} encodes to ${a} tokens, not the 5 requested; sent as it is`),
    );
    expect(inexactNotice(ds)).toBe(
      `4 of 4 synthetic prompts do not encode to their requested length (prompt 0: ${actual[0]} for 5, prompt 1: ${actual[1]} for 5, prompt 2: ${actual[2]} for 5, …); ` +
        'they are sent as they are, with the ISL they have (the run log lists each)',
    );
  });

  it('names the shared system prompt when it is the one that cannot be exact', () => {
    vi.stubEnv('INFERMARK_CACHE_DIR', mkdtempSync(join(tmpdir(), 'im-exact-')));
    const tok = doublingTokenizer();
    const ds = buildSyntheticDataset(tok, options(3, 1, { sharedSystemPromptLength: 3 }), 'chat');
    const system = ds.inexact.find((p) => p.index === null);
    expect(system).toEqual({ index: null, requested: 3, actual: tok.count(ds.systemPrompt!) });
    expect(inexactNotice(ds)).toMatch(/^the shared system prompt encodes to \d+ tokens, not 3; 1 of 1 synthetic prompts /);
  });
});
