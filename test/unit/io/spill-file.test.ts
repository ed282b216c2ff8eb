// The spill file of ts/src/io/spill-file.ts: leaves nothing in its directory, reads back what was
// appended, and fails with a runtime error naming the directory it cannot use.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeFailure } from '../../../ts/src/errors.js';
import { SpillFile } from '../../../ts/src/io/spill-file.js';

describe('spill file', () => {
  it('reads back appended bytes by offset and leaves no file behind, even while open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-spill-test-'));
    const f = new SpillFile(dir);
    expect(readdirSync(dir)).toEqual([]);
    const a = f.append(Uint8Array.from([1, 2, 3]));
    const b = f.append(Uint8Array.from([4, 5]));
    expect([a, b, f.length]).toEqual([0, 3, 5]);
    const into = new Uint8Array(3);
    f.read(2, into);
    expect([...into]).toEqual([3, 4, 5]);
    expect(() => f.read(4, new Uint8Array(2))).toThrow(RangeError);
    f.close();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true });
  });

  it('fails with a runtime error naming a directory it cannot create a file in', () => {
    const missing = join(tmpdir(), 'infermark-no-such-dir', 'deeper');
    expect(() => new SpillFile(missing)).toThrow(RuntimeFailure);
    expect(() => new SpillFile(missing)).toThrow(/cannot create a temporary file in .*infermark-no-such-dir/);
  });
});
