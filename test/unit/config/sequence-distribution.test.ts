import { describe, expect, it } from 'vitest';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { pairAt, parseSequenceDistribution } from '../../../ts/src/config/sequence-distribution.js';
import { buildSyntheticDataset } from '../../../ts/src/dataset/synthetic.js';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';

const pair = (isl: number, osl: number, percent: number, islStddev = 0, oslStddev = 0) => ({ isl, islStddev, osl, oslStddev, percent });

describe('--seq-dist', () => {
  it("reads AIPerf's semicolon, bracket and JSON spellings alike", () => {
    const expected = [pair(256, 128, 40, 10, 5), pair(512, 256, 60)];
    expect(parseSequenceDistribution('256|10,128|5:40;512,256:60')).toEqual(expected);
    expect(parseSequenceDistribution(' [(256|10, 128|5):40, (512,256):60] ')).toEqual(expected);
    expect(
      parseSequenceDistribution(
        '{"pairs": [{"isl": 256, "isl_stddev": 10, "osl": 128, "osl_stddev": 5, "prob": 40}, {"isl": 512, "osl": 256, "prob": 60}]}',
      ),
    ).toEqual(expected);
  });

  it('names the pair that does not parse, and refuses fractions and bad lengths', () => {
    expect(() => parseSequenceDistribution('256,128:40;512-256:60')).toThrow("'512-256:60' is not ISL,OSL:percent");
    expect(() => parseSequenceDistribution('256,128:0.4;512,256:0.6')).toThrow('the percentages add up to 1, not 100');
    expect(() => parseSequenceDistribution('0,128:100')).toThrow('ISL 0 is not an integer');
    expect(() => parseSequenceDistribution('[(1,2):50,(3,4):50')).toThrow("ends with ']'");
    expect(() => parseSequenceDistribution('{"pairs": [{"isl": 1, "prob": 100}]}')).toThrow('pairs[0].osl must be a number');
    expect(() => parseSequenceDistribution('')).toThrow('no (ISL, OSL) pair');
  });

  it('selects pairs by their cumulative shares', () => {
    const pairs = [pair(1, 1, 25), pair(2, 2, 0), pair(3, 3, 75)];
    expect(pairAt(pairs, 0).isl).toBe(1);
    expect(pairAt(pairs, 0.2499).isl).toBe(1);
    expect(pairAt(pairs, 0.25).isl).toBe(3);
    expect(pairAt(pairs, 0.99999999).isl).toBe(3);
  });

  it('gives synthetic prompts the mix asked for, with their OSL', async () => {
    const tokenizer = await loadTokenizer('builtin');
    const seqDist = parseSequenceDistribution('8,4:25;32,16:75');
    const ds = buildSyntheticDataset(
      tokenizer,
      { isl: 550, islStddev: 0, osl: null, oslStddev: 0, numDatasetEntries: 400, seed: 3n, sharedSystemPromptLength: null, seqDist },
      'chat',
    );
    const short = ds.entries.filter((e) => e.requestedIsl === 8);
    expect(short.every((e) => e.requestedOsl === 4)).toBe(true);
    expect(ds.entries.filter((e) => e.requestedIsl === 32).every((e) => e.requestedOsl === 16)).toBe(true);
    expect(short.length + ds.entries.filter((e) => e.requestedIsl === 32).length).toBe(400);
    // 25 % of 400 is 100; a binomial's std is about 8.7.
    expect(short.length).toBeGreaterThan(65);
    expect(short.length).toBeLessThan(135);
    for (const e of ds.entries) expect(tokenizer.count(e.text)).toBe(e.requestedIsl);
  });

  it('conflicts with the flags it replaces', () => {
    const resolve = (o: object) => resolveProfileConfig({ model: ['m'], seqDist: '8,4:100', ...o }, ['infermark']);
    expect(resolve({}).dataset.seqDist).toEqual([pair(8, 4, 100)]);
    expect(() => resolve({ isl: 5 })).toThrow("option '--seq-dist' cannot be used with option '--isl'");
    expect(() => resolve({ osl: 5 })).toThrow("option '--seq-dist' cannot be used with option '--osl'");
    expect(() => resolve({ inputFile: 'x.jsonl' })).toThrow("option '--seq-dist' cannot be used with option '--input-file'");
    expect(() => resolve({ seqDist: '8,4:50' })).toThrow("option '--seq-dist <pairs>': the percentages add up to 50, not 100");
  });
});
