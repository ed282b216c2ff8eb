import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProgressReporter } from '../../../ts/src/load/progress.js';

describe('progress line (cli.md §3.5)', () => {
  it('shows phase, count/target, percent, elapsed, rate and errors, plus live TTFT', () => {
    const engine = new EventEmitter();
    const out: string[] = [];
    const p = new ProgressReporter(engine, 'none', { write: (s: string) => out.push(s) });
    engine.emit('record', {
      streaming: true,
      error: null,
      requestStartNs: 0n,
      responses: [
        { recvNs: 1_000_000n, data: '{"choices":[{"delta":{"role":"assistant"}}]}' },
        { recvNs: 42_000_000n, data: '{"choices":[{"delta":{"content":"Hi"}}]}' },
      ],
    });
    const line = p.line({ phase: 'profiling', sent: 523, completed: 523, errors: 0, inFlight: 3, target: 1000, elapsedNs: 12_130_000_000n });
    p.stop();
    expect(line.startsWith('profiling  523/1000 requests  52.3%  elapsed 00:12  43.1 req/s  errors 0')).toBe(true);
    expect(line).toContain('TTFT avg 42.0 ms');
  });

  it('writes nothing to stdout-like sinks on its own before a progress event', () => {
    const engine = new EventEmitter();
    const out: string[] = [];
    const p = new ProgressReporter(engine, 'simple', { write: (s: string) => out.push(s) });
    p.stop();
    expect(out).toEqual([]);
  });
});
