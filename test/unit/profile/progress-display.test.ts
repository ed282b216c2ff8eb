// The profile progress line (docs/cli.md §3.5) as a reporter of engine events.
import { describe, expect, it } from 'vitest';
import type { RawRequestRecord } from '../../../ts/src/metrics/raw-record.js';
import { ProgressDisplay } from '../../../ts/src/profile/reporters/progress-display.js';

const progress = {
  phase: 'profiling' as const,
  sent: 523,
  completed: 523,
  errors: 0,
  inFlight: 3,
  target: 1000,
  elapsedNs: 12_130_000_000n,
};

describe('profile progress display (docs/cli.md §3.5)', () => {
  it('shows phase, count/target, percent, elapsed, rate and errors, plus live TTFT', () => {
    const out: string[] = [];
    const p = new ProgressDisplay('none', { write: (s: string) => out.push(s) });
    p.onRecord({
      streaming: true,
      error: null,
      requestStartNs: 0n,
      responses: [
        { recvNs: 1_000_000n, data: '{"choices":[{"delta":{"role":"assistant"}}]}' },
        { recvNs: 42_000_000n, data: '{"choices":[{"delta":{"content":"Hi"}}]}' },
      ],
    } as unknown as RawRequestRecord);
    const line = p.text(progress);
    expect(line.startsWith('profiling  523/1000 requests  52.3%  elapsed 00:12  43.1 req/s  errors 0')).toBe(true);
    expect(line).toContain('TTFT avg 42.0 ms');
    expect(line).toContain('chunks/s');
  });

  it('with --ui none prints the phase start, and progress lines only every 10 s, never a carriage return', () => {
    const out: string[] = [];
    const p = new ProgressDisplay('none', { write: (s: string) => out.push(s) });
    p.onPhaseStart('profiling');
    p.onProgress(progress);
    p.onEngineDone();
    expect(out).toEqual(['profiling started\n']);
  });

  it('with --ui simple writes nothing for a run that ends within the start delay', () => {
    const out: string[] = [];
    const p = new ProgressDisplay('simple', { write: (s: string) => out.push(s) });
    p.onPhaseStart('profiling');
    p.onProgress(progress);
    p.onEngineDone();
    expect(out).toEqual([]);
  });
});
