// `plot --format`: a comma-separated list of known formats, each checked, duplicates folded.
import { describe, expect, it } from 'vitest';
import { parseFormats } from '../../../ts/src/cli/plot.js';

describe('plot --format', () => {
  it('accepts any combination of png, svg and html, once each', () => {
    expect(parseFormats('png')).toEqual(['png']);
    expect(parseFormats('svg,png,html')).toEqual(['svg', 'png', 'html']);
    expect(parseFormats(' png , svg ,png')).toEqual(['png', 'svg']);
  });
  it('names the value it refuses', () => {
    expect(() => parseFormats('png,jpeg')).toThrow("expected one of png, svg, html (comma-separated), got 'jpeg'");
    expect(() => parseFormats('png,,svg')).toThrow("expected a comma-separated list of png, svg, html, got 'png,,svg'");
    expect(() => parseFormats('')).toThrow("expected a comma-separated list of png, svg, html, got ''");
  });
});
