// The one progress line (ts/src/report/progress-line.ts) and analyze-trace's progress text.
import { describe, expect, it } from 'vitest';
import { analysisProgressText } from '../../../ts/src/cli/analyze-trace.js';
import { ProgressLine, progressBar } from '../../../ts/src/report/progress-line.js';

function harness(options: { isTTY?: boolean; mode?: 'redraw' | 'lines' | 'off'; delayMs?: number; intervalMs?: number }) {
  let t = 0;
  const writes: string[] = [];
  const sink = { write: (s: string) => writes.push(s), isTTY: options.isTTY };
  const line = new ProgressLine(sink, { ...options, now: () => t });
  return { line, writes, advance: (ms: number) => (t += ms) };
}

describe('ProgressLine', () => {
  it('redraws on a TTY only after the start delay, at most once per interval, and clears its line', () => {
    const { line, writes, advance } = harness({ isTTY: true });
    line.update('a'); // t = 0: a run that ends within the delay never draws
    advance(499);
    line.update('b');
    expect(writes).toEqual([]);
    advance(1);
    line.update('c');
    advance(50);
    line.update('d'); // within 100 ms of 'c'
    advance(50);
    line.update('e');
    line.clear();
    expect(writes).toEqual(['\r\x1b[Kc', '\r\x1b[Ke', '\r\x1b[K']);
  });

  it('draws a forced update at once, and finish() leaves the latest text on its own line', () => {
    const { line, writes } = harness({ isTTY: true });
    line.update('first', true);
    line.update(() => 'latest');
    line.finish();
    expect(writes).toEqual(['\r\x1b[Kfirst', '\r\x1b[Klatest', '\n']);
  });

  it('is silent when the sink is not a terminal (no mode given)', () => {
    const { line, writes, advance } = harness({ isTTY: false });
    advance(10_000);
    line.update('x', true);
    line.finish();
    line.clear();
    expect(line.mode).toBe('off');
    expect(writes).toEqual([]);
  });

  it('writes a plain line every 10 s in lines mode, the first after 10 s', () => {
    const { line, writes, advance } = harness({ mode: 'lines' });
    line.update('too early');
    advance(10_000);
    line.update('one');
    advance(9_999);
    line.update('skipped');
    advance(1);
    line.update(() => 'two');
    line.clear();
    line.finish();
    expect(writes).toEqual(['one\n', 'two\n']);
  });

  it('never evaluates a text function that is not drawn', () => {
    const { line } = harness({ isTTY: true });
    line.update(() => {
      throw new Error('rendered while throttled');
    });
  });
});

describe('progress texts', () => {
  it('draws a 24-cell bar clamped to [0, 1]', () => {
    expect(progressBar(0.25)).toBe('[######..................]');
    expect(progressBar(2)).toBe(`[${'#'.repeat(24)}]`);
    expect(progressBar(-1)).toBe(`[${'.'.repeat(24)}]`);
  });

  it('analyze-trace: percent, MB of the total, rows and throughput', () => {
    expect(analysisProgressText(50_000_000, 123_456, 200_000_000, 2)).toBe(
      '[######..................] 25%  50.0/200.0 MB  123,456 rows  25.0 MB/s',
    );
  });
});
