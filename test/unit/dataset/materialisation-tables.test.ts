// The materialisation tables (docs/synthesis.md §6.1): id → bytes reproduces the tokenizer's decode,
// the separator is BOS else EOS else none, and the concatenation probe tells safe from unsafe.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  bytesText,
  cachedMaterialisationTables,
  concatenationSafe,
  materialisationTablesCached,
  materialisationTables,
  separatorToken,
} from '../../../ts/src/dataset/materialisation-tables.js';
import { corpusChunks, promptCorpusTokens } from '../../../ts/src/tokenizer/corpus.js';
import { loadTokenizer, type Tokenizer } from '../../../ts/src/tokenizer/index.js';

let qwen: Tokenizer;
beforeAll(async () => {
  vi.stubEnv('INFERMARK_CACHE_DIR', mkdtempSync(join(tmpdir(), 'im-tables-')));
  qwen = await loadTokenizer('builtin');
}, 60_000);

describe('token id → bytes', () => {
  it.each(['builtin', 'builtin:llama3.1', 'builtin:mistral-nemo'])(
    'reproduces %s decode on corpus text, special tokens included',
    async (name) => {
      const tok = await loadTokenizer(name);
      const tables = tok.tokenBytes();
      const chunk = corpusChunks()[3]!;
      const ids = tok.encode(chunk);
      expect(bytesText(ids, { tokenBytes: tables.bytes, tokenOffsets: tables.offsets })).toBe(tok.decode(ids));
      expect(bytesText(ids, { tokenBytes: tables.bytes, tokenOffsets: tables.offsets })).toBe(chunk);
      const special = [separatorToken(tok), ...ids.slice(0, 40)];
      expect(bytesText(special, { tokenBytes: tables.bytes, tokenOffsets: tables.offsets })).toBe(tok.decode(special));
    },
    60_000,
  );

  it('has one entry per vocabulary id, in order', () => {
    const { bytes, offsets } = qwen.tokenBytes();
    expect(offsets.length).toBe(151_669 + 1);
    expect(offsets[offsets.length - 1]).toBe(bytes.length);
    const im_end = 151645;
    expect(new TextDecoder().decode(bytes.subarray(offsets[im_end]!, offsets[im_end + 1]!))).toBe('<|im_end|>');
    // " the" in byte-level BPE is 'Ġthe': its first character stands for the space byte.
    const [the] = qwen.encode(' the');
    expect([...bytes.subarray(offsets[the!]!, offsets[the! + 1]!)]).toEqual([0x20, 0x74, 0x68, 0x65]);
  });
});

describe('the separator (docs/synthesis.md §6.1)', () => {
  it('is BOS when declared, else EOS, else none', async () => {
    expect(separatorToken(qwen)).toBe(151645); // Qwen3 declares no BOS: its EOS <|im_end|>
    expect(separatorToken(await loadTokenizer('builtin:llama3'))).toBe(128000); // <|begin_of_text|>
    expect(separatorToken({ bosTokenId: 7, eosTokenId: 9 })).toBe(7);
    expect(separatorToken({ bosTokenId: null, eosTokenId: null })).toBe(-1);
  });
});

describe('the concatenation probe', () => {
  it('finds the bundled Qwen3 tokenizer safe, with the prompt corpus K_p', () => {
    const tables = materialisationTables(qwen);
    expect(tables.corpus).toBe(promptCorpusTokens(qwen));
    expect(tables.separator).toBe(151645);
    expect(tables.concatSafe).toBe(true);
  });

  it('finds a tokenizer unsafe whose decode strips a leading space (SentencePiece-style)', () => {
    const stripping: Pick<Tokenizer, 'decode'> = { decode: (ids, o) => qwen.decode(ids, o).replace(/^ /, '') };
    const base = materialisationTables(qwen);
    expect(concatenationSafe(stripping, { ...base, separator: -1 })).toBe(false);
    // With a separator in front, no block text starts with a space: the same decode is then safe.
    expect(concatenationSafe(stripping, base)).toBe(true);
  });

  it('finds a table unsafe that does not give the decode of every token', () => {
    const base = materialisationTables(qwen);
    const wrongBytes = base.tokenBytes.slice();
    const [the] = qwen.encode(' the');
    wrongBytes[base.tokenOffsets[the!]!] = 0x5f; // '_the'
    expect(concatenationSafe(qwen, { ...base, tokenBytes: wrongBytes })).toBe(false);
  });

  it('finds a decode unsafe that cleans up spaces (clean_up_tokenization_spaces), on text where that applies', () => {
    // The bundled corpus never has " ." (so the bundled Llama tokenizers, which clean up, pass);
    // a corpus of " " and "." tokens shows the probe catches a decode that rewrites the bytes.
    const cleaning: Pick<Tokenizer, 'decode'> = { decode: (ids, o) => qwen.decode(ids, o).replace(/ ([.,])/g, '$1') };
    const dot = qwen.encode('.')[0]!;
    const space = qwen.encode(' ')[0]!;
    const corpus = Uint32Array.from({ length: 4096 }, (_, i) => (i % 2 === 0 ? space : dot));
    const base = materialisationTables(qwen);
    expect(concatenationSafe(cleaning, { ...base, corpus, separator: -1 })).toBe(false);
    expect(concatenationSafe(qwen, { ...base, corpus, separator: -1 })).toBe(true);
  });
});

describe('the on-disk tables cache', () => {
  it('gives back the tables it stored without loading the tokenizer, and refuses a damaged file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-tables-cache-'));
    vi.stubEnv('INFERMARK_CACHE_DIR', dir);
    let loads = 0;
    const load = async (): Promise<Tokenizer> => {
      loads += 1;
      return qwen;
    };
    expect(materialisationTablesCached('builtin')).toBe(false);
    const first = await cachedMaterialisationTables('builtin', load);
    expect(loads).toBe(1);
    expect(materialisationTablesCached('builtin')).toBe(true);
    const again = await cachedMaterialisationTables('builtin', load);
    expect(loads).toBe(1);
    expect(again).toEqual(first);
    expect(again).toEqual(materialisationTables(qwen));
    // Another tokenizer file is another entry.
    expect(materialisationTablesCached('builtin:llama3.1')).toBe(false);
    // A truncated file is a miss: the tokenizer is loaded again and the file rewritten.
    const [file] = readdirSync(dir).filter((f) => f.startsWith('tables-'));
    writeFileSync(join(dir, file!), Buffer.alloc(40));
    expect(await cachedMaterialisationTables('builtin', load)).toEqual(first);
    expect(loads).toBe(2);
    vi.unstubAllEnvs();
  }, 60_000);
});
