// Transform and generate through both backends: spec examples, byte-identical native/WASM output, errors as TraceCoreError.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, TraceCoreError, generateTrace, transformTrace, type BackendName } from '../../../ts/src/index.js';

const REAL = resolve(__dirname, '../../../../shared/data/mooncake/conversation_trace.jsonl');
const realTrace = (): Uint8Array => readFileSync(REAL);
const enc = new TextEncoder();
const dec = new TextDecoder();

const EXAMPLE_A = `{"timestamp":0,"input_length":1200,"output_length":100,"hash_ids":[1,2,3]}
{"timestamp":1000,"input_length":1100,"output_length":200,"hash_ids":[1,2,4]}
{"timestamp":2001,"input_length":600,"output_length":50,"hash_ids":[1,5]}
{"timestamp":3000,"input_length":1024,"output_length":300,"hash_ids":[1,2]}
`;

const EXAMPLE_D = `{"timestamp":0,"input_length":1024,"output_length":10,"hash_ids":[0,1]}
{"timestamp":0,"input_length":2500,"output_length":20,"hash_ids":[0,1,2,3,4]}
{"timestamp":1000,"input_length":3400,"output_length":30,"hash_ids":[0,1,2,3,4,5,6]}
{"timestamp":1000,"input_length":1024,"output_length":40,"hash_ids":[7,8]}
{"timestamp":1000,"input_length":1900,"output_length":50,"hash_ids":[7,8,9,10]}
{"timestamp":3000,"input_length":600,"output_length":60,"hash_ids":[11,12]}
`;

describe.each(BACKEND_NAMES.map((b) => [b]))('synthesis on the %s backend', (backend: BackendName) => {
  it('transforms Example A with P = 2 exactly (docs/synthesis.md §3.7)', async () => {
    const { output, report } = await transformTrace(enc.encode(EXAMPLE_A), { backend, prefixLenMultiplier: '2' });
    expect(dec.decode(output)).toBe(
      '{"timestamp":0,"input_length":2224,"output_length":100,"hash_ids":[2,3,4,5,7]}\n' +
        '{"timestamp":1000,"input_length":2124,"output_length":200,"hash_ids":[2,3,4,5,8]}\n' +
        '{"timestamp":2001,"input_length":1112,"output_length":50,"hash_ids":[2,3,9]}\n' +
        '{"timestamp":3000,"input_length":2048,"output_length":300,"hash_ids":[2,3,4,5]}\n',
    );
    expect(report.fresh_ids).toEqual(['7', '9']);
    expect(report.rows_out).toBe(4);
  });

  it('prints the §3.5 summary line', async () => {
    const { report } = await transformTrace(enc.encode(EXAMPLE_A), { backend, outputLenMultiplier: '1.5', maxOsl: 200, maxIsl: 1100 });
    expect(report.summary).toBe(
      'synthesize (transform): 4 rows in, 3 rows out; 1 skipped by --synthesis-max-isl (1 session affected); 2 output lengths capped by --synthesis-max-osl; 0 inconsistent rows repaired; fresh ids none; trees 1; seed 0',
    );
  });

  it('keeps seeds above 2^53 exact', async () => {
    const { report } = await transformTrace(enc.encode(EXAMPLE_A), { backend, seed: 18446744073709551615n, prefixRootMultiplier: 2 });
    expect(report.seed).toBe('18446744073709551615');
    expect(report.trees).toBe('2');
  });

  it('generates the §4.7 worked example exactly', async () => {
    const { output, report } = await generateTrace(enc.encode(EXAMPLE_D), 6, { backend });
    const rows = dec.decode(output).trimEnd().split('\n');
    expect(rows[0]).toBe(
      '{"timestamp":0,"input_length":1900,"output_length":50,"hash_ids":[5,6,7,8],"context_len":1024,"unique_user_prompt_len":876}',
    );
    expect(rows[5]).toBe(
      '{"timestamp":4000,"input_length":1900,"output_length":50,"hash_ids":[5,6,13,14],"context_len":1024,"unique_user_prompt_len":876}',
    );
    expect(report.summary).toBe(
      'synthesize (generate): learned 6 rows → 13 path ids, 3 radix nodes; generated 6 rows; 0 rejected samples; trees 1; seed 0',
    );
  });

  it('throws coded errors: invalid rows name file, line and field; bad options name the flag', async () => {
    const bad = () => transformTrace(enc.encode('{"input_length":1}\n{"input_length":true}\n'), { backend, sourceName: 't.jsonl' });
    await expect(bad()).rejects.toThrow(TraceCoreError);
    try {
      await bad();
      expect.unreachable();
    } catch (err) {
      const e = err as TraceCoreError;
      expect(e.code).toBe('INVALID_ROW');
      expect([e.reason, e.file, e.line, e.field]).toEqual(['bad_type', 't.jsonl', 2, 'input_length']);
    }
    try {
      await transformTrace(enc.encode(EXAMPLE_A), { backend, promptLenMultiplier: '1e-10' });
      expect.unreachable();
    } catch (err) {
      expect((err as TraceCoreError).code).toBe('INVALID_ARG');
      expect((err as TraceCoreError).message).toBe(
        "option '--synthesis-prompt-len-multiplier': expected a decimal number with at most 9 fractional digits, got '1e-10'",
      );
    }
  });

  it('lenient mode returns the skip warning', async () => {
    const r = await transformTrace(enc.encode('{"input_length":1}\n[1]\n'), { backend, skipInvalid: true, sourceName: 't.jsonl' });
    expect(r.skippedWarning).toBe('warning: skipped 1 invalid rows in t.jsonl (not_an_object: 1 [line 2])');
    expect(dec.decode(r.output)).toBe('{"input_length":1}\n');
  });
});

describe('native and WASM synthesis are byte-identical', async () => {
  it('transform of the real trace with every multiplier', async () => {
    const input = realTrace();
    const opts = {
      speedupRatio: '3',
      prefixLenMultiplier: '1.5',
      prefixRootMultiplier: 3,
      promptLenMultiplier: '0.7',
      outputLenMultiplier: '1.25',
      maxIsl: 60000,
      maxOsl: 900,
      seed: 42n,
    };
    const a = await transformTrace(input, { ...opts, backend: 'native' });
    const b = await transformTrace(input, { ...opts, backend: 'wasm' });
    expect(a.output.length).toBeGreaterThan(1_000_000);
    expect(Buffer.compare(Buffer.from(a.output), Buffer.from(b.output))).toBe(0);
    expect(a.report).toEqual(b.report);
    expect(a.report.rows_in).toBe(12031);
  });

  it('generate of 20,000 rows from the real trace', async () => {
    const input = realTrace();
    const opts = { prefixLenMultiplier: '1.5', prefixRootMultiplier: 2, speedupRatio: '0.5', seed: 7n };
    const a = await generateTrace(input, 20_000, { ...opts, backend: 'native' });
    const b = await generateTrace(input, 20_000, { ...opts, backend: 'wasm' });
    expect(Buffer.compare(Buffer.from(a.output), Buffer.from(b.output))).toBe(0);
    expect(a.report).toEqual(b.report);
    expect(a.report.generated).toBe(20_000);
  });
});
