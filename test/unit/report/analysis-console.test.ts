// The analyze-trace console report (docs/trace-analysis.md §6).
import { describe, expect, it } from 'vitest';
import { renderAnalysisConsole } from '../../../ts/src/report/analysis-console.js';
import { colourEnabled } from '../../../ts/src/report/colour.js';
import type { AnalysisReport } from '../../../ts/src/trace-core/report.js';
import { EXAMPLE_A_CONSOLE, EXAMPLE_A_JSON } from '../../bindings/examples.js';

const exampleA = (): AnalysisReport => JSON.parse(EXAMPLE_A_JSON) as AnalysisReport;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removes ANSI colour escapes
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('renderAnalysisConsole', () => {
  it('prints Example A exactly as docs/trace-analysis.md §7.1 shows', () => {
    expect(renderAnalysisConsole(exampleA())).toBe(EXAMPLE_A_CONSOLE);
  });

  it('adds the saved-to line last when an output file is written', () => {
    expect(renderAnalysisConsole(exampleA(), { outputFile: 'out/a.json' })).toBe(
      `${EXAMPLE_A_CONSOLE}Analysis report saved to out/a.json\n`,
    );
  });

  it('prints N/A in every cell of a null stats row and widens nothing else', () => {
    const report = { ...exampleA(), hit_rate_stats: null };
    const row = renderAnalysisConsole(report)
      .split('\n')
      .find((l) => l.includes('Theoretical Hit Rates'))!;
    expect(
      row
        .split('│')
        .slice(2, 9)
        .map((c) => c.trim()),
    ).toEqual(Array(7).fill('N/A'));
  });

  it('centres the title over the table and sizes columns to their widest cell', () => {
    const report = exampleA();
    report.isl_stats = { ...report.isl_stats!, max: 1234567.891 };
    report.total_requests = 1234567;
    const lines = renderAnalysisConsole(report).split('\n');
    expect(lines[2]).toBe('Total requests:   1,234,567');
    const top = lines.find((l) => l.startsWith('┏'))!;
    const title = lines.find((l) => l.trimStart() === 'Trace Statistics')!;
    expect(title.indexOf('T')).toBe(Math.floor(([...top].length - 16) / 2));
    expect(lines.find((l) => l.includes('Input Length'))).toContain('│ 1,234,567.89 │');
    const widths = new Set(lines.filter((l) => /^[┏┃┡│└]/.test(l)).map((l) => [...l].length));
    expect(widths.size).toBe(1);
  });

  it('colours labels cyan, values green, N/A dim and titles bold without moving anything', () => {
    const report = { ...exampleA(), hit_rate_stats: null };
    const coloured = renderAnalysisConsole(report, { colour: true });
    expect(coloured).toContain('\x1b[36mInput Length\x1b[0m');
    expect(coloured).toContain('\x1b[32m981.00\x1b[0m');
    expect(coloured).toContain('\x1b[2mN/A\x1b[0m');
    expect(coloured).toContain('\x1b[1mTrace Statistics\x1b[0m');
    expect(coloured).toContain('\x1b[1mTrace Analysis Report\x1b[0m');
    expect(strip(coloured)).toBe(renderAnalysisConsole(report));
  });
});

describe('colourEnabled', () => {
  it('follows docs/cli.md §1.1: TTY without NO_COLOR, or FORCE_COLOR', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({}, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
  });
});
