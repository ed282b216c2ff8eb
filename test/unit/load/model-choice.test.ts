import { describe, expect, it } from 'vitest';
import { modelFor, modelIndexFor } from '../../../ts/src/load/model-choice.js';

describe('--model-selection-strategy', () => {
  const models = ['a', 'b', 'c'];

  it('round-robin gives request n model n mod M (the default)', () => {
    expect([0, 1, 2, 3, 4].map((n) => modelFor({ models, seed: 0n }, n))).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect([0, 1, 2].map((n) => modelFor({ models, modelSelection: 'round-robin', seed: 9n }, n))).toEqual(['a', 'b', 'c']);
  });

  it('random draws per request from the seed: every model about equally, the same draws for the same seed', () => {
    const draw = (seed: bigint) => Array.from({ length: 3000 }, (_, n) => modelIndexFor({ models, modelSelection: 'random', seed }, n));
    const counts = [0, 0, 0];
    for (const i of draw(5n)) counts[i]! += 1;
    // 1000 expected each; a binomial's std is about 26.
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(draw(5n)).toEqual(draw(5n));
    expect(draw(6n)).not.toEqual(draw(5n));
    // Not the round-robin sequence in disguise.
    expect(draw(5n).slice(0, 30)).not.toEqual(Array.from({ length: 30 }, (_, n) => n % 3));
  });

  it('a single model needs no draw', () => {
    expect(modelFor({ models: ['only'], modelSelection: 'random', seed: 1n }, 7)).toBe('only');
  });
});
