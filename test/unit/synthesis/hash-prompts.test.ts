// hash-prompts (docs/synthesis.md §5) through both backends: the spec example with a stub tokenizer, properties, errors.
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, TraceCoreError, analyzeTrace, hashPrompts, type BackendName } from '../../../ts/src/index.js';
import { bytesSource, type ByteSink } from '../../../ts/src/synthesis/index.js';
import { WriteBehind } from '../../../ts/src/io/output-target.js';
import { builtinTokenizer } from '../../../ts/src/tokenizer/index.js';
import { callBackend as call } from '../../../ts/src/trace-core/errors.js';
import { backendFor } from '../../../ts/src/trace-core/loader.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A stub tokenizer: the prompt is a space-separated list of token ids. */
const stub = { encode: (text: string) => (text.trim() === '' ? [] : text.trim().split(/\s+/).map(Number)) };

async function run(input: string | Uint8Array, backend: BackendName, options: Partial<Parameters<typeof hashPrompts>[2]> = {}) {
  const parts: string[] = [];
  const sink: ByteSink = { write: (c) => void parts.push(dec.decode(c)) };
  const result = await hashPrompts(bytesSource(typeof input === 'string' ? enc.encode(input) : input, 7), sink, {
    tokenizer: stub,
    backend,
    sourceName: 'p.jsonl',
    ...options,
  });
  return {
    text: parts.join(''),
    rows: parts
      .join('')
      .trimEnd()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    result,
  };
}

describe.each(BACKEND_NAMES.map((b) => [b]))('hash-prompts on the %s backend', (backend: BackendName) => {
  it('reproduces the §5 example (bs 4) and its summary', async () => {
    const input = [
      '{"prompt":"11 12 13 14 15 16 17 18 19 20","timestamp":0,"output_length":5}',
      '{"text_input":"11 12 13 14 15 16 17 18 30","session_id":"s"}',
      '',
      '{"text":"15 16 17 18 11 12 13 14","extra":{"k":1},"delay":3}',
      '{"prompt":"11 12 13 14 15 16 17 18 19 20","timestamp":0,"output_length":5}',
    ].join('\r\n');
    const { text, rows, result } = await run(input, backend, { blockSize: 4, batchRows: 2 });
    expect(rows.map((r) => r.hash_ids)).toEqual([
      [0, 1, 2],
      [0, 1, 3],
      [4, 5],
      [0, 1, 2],
    ]);
    expect(rows.map((r) => r.input_length)).toEqual([10, 9, 8, 10]);
    expect(text.split('\n')[0]).toBe('{"timestamp":0,"input_length":10,"output_length":5,"hash_ids":[0,1,2]}');
    expect(text.split('\n')[1]).toBe('{"input_length":9,"hash_ids":[0,1,3],"session_id":"s"}');
    expect(text.split('\n')[2]).toBe('{"input_length":8,"hash_ids":[4,5],"delay":3,"extra":{"k":1}}');
    expect(result.summary).toBe('hash-prompts: 4 rows, 11 blocks, 6 distinct ids, block size 4');
    expect(text).not.toContain('prompt');
  });

  it('a block size that is not a positive 32-bit integer is INVALID_ARG naming the value given', async () => {
    // Regression: both bindings narrowed 1.5 to 0 before the core checked it, so the message said "got '0'".
    const { bindings } = backendFor(backend);
    expect(() => call(() => new bindings.PromptHasher(1.5))).toThrow("option '--block-size': expected a positive integer, got '1.5'");
    await expect(run('{"prompt":"1"}\n', backend, { blockSize: 1.5 })).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: "option '--block-size': expected a positive integer, got '1.5'",
    });
  });

  it('a one-token change in block k changes ids from k on; the last partial block counts', async () => {
    const base = Array.from({ length: 22 }, (_, i) => i + 100);
    const lines = [JSON.stringify({ prompt: base.join(' ') })];
    for (const k of [0, 2, 5]) {
      const t = [...base];
      t[k * 4 + 1] = 7;
      lines.push(JSON.stringify({ prompt: t.join(' ') }));
    }
    const { rows } = await run(lines.join('\n'), backend, { blockSize: 4 });
    const ids = rows.map((r) => r.hash_ids as number[]);
    expect(ids[0]).toHaveLength(6); // 22 tokens → 5 full blocks + a partial one
    [0, 2, 5].forEach((k, i) => {
      const other = ids[i + 1] as number[];
      for (let j = 0; j < 6; j += 1) {
        if (j < k) expect(other[j]).toBe(ids[0]?.[j]);
        else expect(other[j]).not.toBe(ids[0]?.[j]);
      }
    });
  });

  it('rows with messages are invalid without a chat template; --text-field picks the field', async () => {
    await expect(run('{"messages":[{"role":"user","content":"1 2"}]}\n', backend)).rejects.toThrow(
      'p.jsonl:1: messages: the tokenizer has no chat template to render messages',
    );
    const { rows } = await run('{"q":"1 2 3","prompt":"9"}\n', backend, { textField: 'q', blockSize: 2 });
    expect(rows[0]).toEqual({ input_length: 3, hash_ids: [0, 1] });
  });

  it('an empty prompt is a missing_input row error naming its text field (strict) or a counted skip (lenient)', async () => {
    await expect(run('{"prompt":"1"}\n{"prompt":""}\n', backend)).rejects.toThrow('p.jsonl:2: prompt: empty prompt (no tokens to hash)');
    // zero tokens, not an empty string, is the rule: the stub tokenizer gives none for blanks
    await expect(run('{"q":"   "}\n', backend, { textField: 'q' })).rejects.toMatchObject({
      code: 'INVALID_ROW',
      reason: 'missing_input',
      line: 1,
      field: 'q',
      message: 'p.jsonl:1: q: empty prompt (no tokens to hash)',
    });
    const { rows, text, result } = await run('{"text":""}\n{"prompt":"1 2 3"}\n{"prompt":"1 2 3 4 5"}\n', backend, {
      blockSize: 2,
      skipInvalid: true,
    });
    expect(rows).toEqual([
      { input_length: 3, hash_ids: [0, 1] },
      { input_length: 5, hash_ids: [0, 2, 3] },
    ]);
    expect(result.skippedWarning).toBe('warning: skipped 1 invalid rows in p.jsonl (missing_input: 1 [line 1])');
    expect(result.summary).toBe('hash-prompts: 2 rows, 5 blocks, 4 distinct ids, block size 2');
    const report = analyzeTrace(enc.encode(text), { blockSize: 2, backend });
    expect(report.inconsistent_rows).toBe(0);
  });

  // Regression: copied fields went through JSON.parse/JSON.stringify unchecked, so hash-prompts
  // wrote traces that infermark itself rejects (and lost digits of integers above 2^53).
  const BAD_ROWS: [string, string, string, string][] = [
    ['{"prompt":"1","timestamp":"abc"}', 'bad_type', 'timestamp', 'expected a non-negative number, got "abc"'],
    ['{"prompt":"1","output_length":-5}', 'out_of_range', 'output_length', 'must be >= 0, got -5'],
    ['{"prompt":"1","output_length":1.5}', 'bad_type', 'output_length', 'expected a non-negative integer, got 1.5'],
    ['{"prompt":"1","session_id":"a","session_id":"b"}', 'duplicate_field', 'session_id', 'key "session_id" appears more than once'],
    ['{"prompt":"1","delay":1,"delay_ms":1}', 'duplicate_field', 'delay', 'both delay and delay_ms are present'],
    ['{"prompt":"1",}', 'invalid_json', 'json', 'invalid JSON: expected a string key at column 15'],
    ['{"prompt":""}', 'missing_input', 'prompt', 'empty prompt (no tokens to hash)'],
  ];

  it.each(BAD_ROWS)('strict: %s stops with the one-line error naming file, line and field', async (line, reason, field, text) => {
    try {
      await run(`{"prompt":"1 2"}\n\n${line}\n{"prompt":"3"}\n`, backend);
      expect.unreachable();
    } catch (err) {
      const e = err as TraceCoreError;
      expect(e).toBeInstanceOf(TraceCoreError);
      expect([e.code, e.reason, e.file, e.line, e.field, e.message]).toEqual([
        'INVALID_ROW',
        reason,
        'p.jsonl',
        3,
        field,
        `p.jsonl:3: ${field}: ${text}`,
      ]);
    }
  });

  it('strict: the first invalid row in file order is the error, also when only tokenizing finds it', async () => {
    // Line 2 is empty once tokenized; line 3 is broken JSON, found when read. Line 2 comes first.
    await expect(run('{"prompt":"1 2"}\n{"prompt":""}\n{"prompt":"3",}\n', backend)).rejects.toMatchObject({
      code: 'INVALID_ROW',
      line: 2,
      field: 'prompt',
    });
  });

  it('lenient: each of those rows is skipped and counted under its reason', async () => {
    const input = ['{"prompt":"1 2"}', ...BAD_ROWS.map((r) => r[0]), '{"prompt":"3"}'].join('\n');
    const { rows, result } = await run(input, backend, { skipInvalid: true, blockSize: 2 });
    expect(rows).toEqual([
      { input_length: 2, hash_ids: [0] },
      { input_length: 1, hash_ids: [1] },
    ]);
    expect(result.skipped.total).toBe(7);
    expect(result.skippedWarning).toBe(
      'warning: skipped 7 invalid rows in p.jsonl (duplicate_field: 2 [line 5, 6]; bad_type: 2 [line 2, 4]; invalid_json: 1 [line 7]; missing_input: 1 [line 8]; out_of_range: 1 [line 3])',
    );
  });

  it('writes aliases under canonical keys, lax times as JSON numbers, integer session ids exactly and extra compacted', async () => {
    const input = [
      '{"prompt":"1 2 3","created_time":"1000","output_tokens":"7","delay_ms":2.50,"session_id":12345678901234567890,"extra":{ "a" : [1, "x y"] }}',
      '{"text_input":"4","timestamp":"12.5","output_length":3e1,"session_id":9007199254740993}',
      '{"prompt":"5","timestamp":1e3,"session_id":"s\\u00e9","extra":{}}',
    ].join('\n');
    const { text } = await run(input, backend, { blockSize: 2 });
    expect(text).toBe(
      [
        '{"timestamp":1000,"input_length":3,"output_length":7,"hash_ids":[0,1],"session_id":"12345678901234567890","delay":2.50,"extra":{"a":[1,"x y"]}}',
        '{"timestamp":12.5,"input_length":1,"output_length":30,"hash_ids":[2],"session_id":"9007199254740993"}',
        '{"timestamp":1000,"input_length":1,"hash_ids":[3],"session_id":"sé","extra":{}}',
        '',
      ].join('\n'),
    );
    // infermark reads its own output back: same rows, nothing skipped
    const report = analyzeTrace(enc.encode(text), { blockSize: 2, backend });
    expect(report.skipped_invalid_rows).toBe(0);
  });

  it('skips a BOM at the start of the file only; a BOM on a later line is invalid_json (docs/trace-format.md §2.1)', async () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect((await run(new Uint8Array([...bom, ...enc.encode('{"prompt":"1 2"}\n')]), backend)).rows).toEqual([
      { input_length: 2, hash_ids: [0] },
    ]);
    const { rows, result } = await run(
      new Uint8Array([...enc.encode('{"prompt":"1"}\n'), ...bom, ...enc.encode('{"prompt":"2"}\n')]),
      backend,
      { skipInvalid: true },
    );
    expect(rows).toHaveLength(1);
    expect(result.skippedWarning).toBe('warning: skipped 1 invalid rows in p.jsonl (invalid_json: 1 [line 2])');
  });

  it('non-UTF-8, non-object and text-less rows are clear row errors (strict) or counted skips (lenient)', async () => {
    const input = new Uint8Array([
      ...enc.encode('{"prompt":"1"}\n{"prompt":"'),
      0xff,
      0xfe,
      ...enc.encode('"}\n[1]\n{"x":1}\n{"prompt":5}\n'),
    ]);
    try {
      await run(input, backend);
      expect.unreachable();
    } catch (err) {
      const e = err as TraceCoreError;
      expect(e).toBeInstanceOf(TraceCoreError);
      expect([e.code, e.reason, e.line, e.field]).toEqual(['INVALID_ROW', 'invalid_utf8', 2, 'row']);
      expect(e.message).toBe('p.jsonl:2: row: invalid UTF-8 at byte 12');
    }
    const { rows, result } = await run(input, backend, { skipInvalid: true });
    expect(rows).toHaveLength(1);
    expect(result.skippedWarning).toBe(
      'warning: skipped 4 invalid rows in p.jsonl (not_an_object: 1 [line 3]; invalid_utf8: 1 [line 2]; missing_input: 1 [line 4]; bad_type: 1 [line 5])',
    );
  });
});

describe('hash-prompts into a slow sink', () => {
  it('waits for the sink: bytes in flight stay bounded and the rows are the same as with a fast sink', async () => {
    const input = Array.from({ length: 300 }, (_, i) => JSON.stringify({ prompt: `1 2 3 4 ${i} ${i % 7}`, timestamp: i })).join('\n');
    const fast = await run(input, 'native', { blockSize: 2, batchRows: 1 });
    const parts: Buffer[] = [];
    // Each write completes a loop turn later; the driver yields only when it awaits the sink, so
    // without waiting it would queue its whole output before the first write completed.
    const queue = new WriteBehind(
      async (chunks) => {
        await new Promise((done) => setImmediate(done));
        const first = chunks[0] as Uint8Array;
        parts.push(Buffer.from(first));
        return first.length;
      },
      { limit: 256 },
    );
    // 64-byte input chunks hold at most two rows, so at most two outputs are queued past the bound.
    await hashPrompts(
      bytesSource(enc.encode(input), 64),
      { write: (c) => queue.push(c) },
      { tokenizer: stub, backend: 'native', blockSize: 2, batchRows: 1 },
    );
    await queue.flush();
    expect(Buffer.concat(parts).toString()).toBe(fast.text);
    expect(queue.peakBytesQueued).toBeGreaterThan(256);
    expect(queue.peakBytesQueued).toBeLessThanOrEqual(512);
  });
});

describe('hash-prompts with the bundled tokenizer', () => {
  it('prompts sharing a long prefix share leading ids; identical prompts give identical rows', async () => {
    const tok = await builtinTokenizer();
    const prefix = 'In the beginning God created the heaven and the earth. '.repeat(40);
    const input = [
      `${prefix}And the earth was without form.`,
      `${prefix}Something else entirely here.`,
      `${prefix}And the earth was without form.`,
    ]
      .map((p) => JSON.stringify({ prompt: p }))
      .join('\n');
    const { rows } = await run(input, 'native', { tokenizer: tok, blockSize: 64 });
    const shared = Math.floor(tok.encode(prefix).length / 64) - 1;
    const a = rows[0]?.hash_ids as number[];
    const b = rows[1]?.hash_ids as number[];
    expect(shared).toBeGreaterThan(3);
    expect(a.slice(0, shared)).toEqual(b.slice(0, shared));
    expect(rows[2]).toEqual(rows[0]);
    expect(rows[0]?.input_length).toBe(tok.encode(`${prefix}And the earth was without form.`).length);
  });
});
