// analyze-trace's TTY progress bar: bytes, rows and throughput on one redrawn line.
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../ts/src/cli/analyze-trace.js';

describe('analyze-trace progress bar', () => {
  it('redraws one line with percent, MB, rows and MB/s, throttled, and clears it', () => {
    const writes: string[] = [];
    const bar = new ProgressBar({ write: (s: string) => writes.push(s) > 0 }, 200_000_000);
    bar.update(50_000_000, 123_456, true);
    bar.update(60_000_000, 150_000); // within 100 ms of the forced draw: skipped
    bar.update(200_000_000, 500_000, true);
    bar.clear();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\r\x1b\[K\[#{6}\.{18}\] 25%  50\.0\/200\.0 MB  123,456 rows  [0-9.]+ MB\/s$/);
    expect(writes[1]).toMatch(/^\r\x1b\[K\[#{24}\] 100%  200\.0\/200\.0 MB  500,000 rows /);
    expect(writes[2]).toBe('\r\x1b[K');
  });
});
