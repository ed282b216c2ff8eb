// Write-behind output: order across partial writes, bounded bytes in flight, failures surfacing later, abort with writes in flight.
import {
  mkdtempSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  closeSync,
  fstatSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputPath, OutputTarget, resolveOutputPath, WriteBehind, type WriteSome } from '../../../ts/src/io/output-target.js';
import { RuntimeFailure, UsageError } from '../../../ts/src/errors.js';

/**
 * A writer into memory whose every call completes a loop turn later and writes at most `maxBytes`
 * of what it is given. A caller that pushes without awaiting never yields, so it fills the queue.
 */
function memoryWriter(options: { maxBytes?: number; failOnCall?: number } = {}): { write: WriteSome; bytes(): Buffer; calls(): number } {
  const parts: Buffer[] = [];
  let calls = 0;
  return {
    async write(chunks) {
      calls += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (calls === options.failOnCall) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      let budget = options.maxBytes ?? Infinity;
      let n = 0;
      for (const c of chunks) {
        const take = Math.min(c.length, budget);
        parts.push(Buffer.from(c.subarray(0, take)));
        n += take;
        budget -= take;
        if (budget === 0) break;
      }
      return n;
    },
    bytes: () => Buffer.concat(parts),
    calls: () => calls,
  };
}

/** Deterministic chunks of varied sizes whose bytes encode their position. */
function chunks(count: number, maxSize: number): Uint8Array[] {
  let pos = 0;
  return Array.from({ length: count }, (_, i) => {
    const c = new Uint8Array(1 + ((i * 7919) % maxSize));
    for (let j = 0; j < c.length; j += 1) c[j] = (pos++ * 31) & 0xff;
    return c;
  });
}

describe('WriteBehind', () => {
  it('writes every chunk in order, even when each write takes only part of what it is given', async () => {
    const w = memoryWriter({ maxBytes: 5 });
    const q = new WriteBehind(w.write, { limit: 64 });
    const input = chunks(60, 23);
    for (const c of input) await q.push(c);
    await q.flush();
    expect(w.bytes().equals(Buffer.concat(input))).toBe(true);
    expect(q.bytesQueued).toBe(0);
    expect(w.calls()).toBeGreaterThan(60); // partial writes really happened
  });

  it('asks the caller to wait once more than the limit is queued, so bytes in flight stay at most limit + one chunk', async () => {
    const w = memoryWriter();
    const q = new WriteBehind(w.write, { limit: 100 });
    const input = chunks(80, 30);
    let waited = 0;
    for (const c of input) {
      const wait = q.push(c);
      if (wait) {
        waited += 1;
        expect(q.bytesQueued).toBeGreaterThan(100);
        await wait;
        expect(q.bytesQueued).toBeLessThanOrEqual(100);
      } else {
        expect(q.bytesQueued).toBeLessThanOrEqual(100);
      }
    }
    await q.flush();
    expect(waited).toBeGreaterThan(0);
    expect(q.peakBytesQueued).toBeGreaterThan(100);
    expect(q.peakBytesQueued).toBeLessThanOrEqual(130);
    expect(w.bytes().equals(Buffer.concat(input))).toBe(true);
  });

  it('keeps a failed write and throws it, described, at the next push and at flush; a waiting caller is rejected', async () => {
    const describeErr = (err: unknown): Error => new Error(`cannot write: ${(err as Error).message}`);
    // Failure seen by the next push.
    let q = new WriteBehind(memoryWriter({ failOnCall: 1 }).write, { describe: describeErr });
    expect(q.push(new Uint8Array(10))).toBeUndefined();
    await q.settle();
    expect(() => q.push(new Uint8Array(1))).toThrow('cannot write: EIO: i/o error, write');
    await expect(q.flush()).rejects.toThrow('cannot write: EIO: i/o error, write');
    // Failure seen by a caller waiting for room.
    q = new WriteBehind(memoryWriter({ failOnCall: 2 }).write, { limit: 10, describe: describeErr });
    let rejected: unknown = null;
    try {
      for (let i = 0; i < 100; i += 1) await q.push(new Uint8Array(8));
    } catch (err) {
      rejected = err;
    }
    expect((rejected as Error).message).toBe('cannot write: EIO: i/o error, write');
    await expect(q.flush()).rejects.toThrow('cannot write: EIO');
  });
});

describe('OutputTarget', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infermark-out-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a regular file behind the caller and renames it into place at commit', async () => {
    const out = new OutputTarget(join(dir, 'o.jsonl'));
    const input = chunks(40, 300_000);
    for (const c of input) await out.write(c);
    expect(readdirSync(dir)).toHaveLength(1); // only the temp file so far
    expect(readdirSync(dir)[0]).not.toBe('o.jsonl');
    await out.commit();
    expect(readdirSync(dir)).toEqual(['o.jsonl']);
    expect(readFileSync(join(dir, 'o.jsonl')).equals(Buffer.concat(input))).toBe(true);
  });

  it('abort waits for writes in flight before closing and removing the temp file', async () => {
    const out = new OutputTarget(join(dir, 'o.jsonl'));
    // 40 MiB queued without waiting: writes are in flight when abort starts.
    const big = new Uint8Array(8 * 1024 * 1024).fill(0x61);
    for (let i = 0; i < 5; i += 1) void out.write(big)?.catch(() => undefined);
    await out.abort();
    expect(readdirSync(dir)).toEqual([]);
    // Had the descriptor been closed under a pending write, that write could land in whatever
    // file reuses the descriptor number next.
    const fd = openSync(join(dir, 'other'), 'w');
    // A stray write is the event that must not happen, so it cannot be awaited: give one the
    // time to land (an 8 MiB write to a temp file takes a few ms) before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fstatSync(fd).size).toBe(0);
    closeSync(fd);
  });
});

// Issue 16 defect 9: one rule for where every command's output goes.
describe('resolveOutputPath and checkOutputPath (docs/cli.md §1.6)', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infermark-resolve-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows a chain of symlinks to an existing file, and to the target of a dangling one', () => {
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(join(dir, 'file'), join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect(resolveOutputPath(join(dir, 'b'))).toEqual({ target: join(dir, 'file'), inPlace: false, exists: true });
    mkdirSync(join(dir, 'sub'));
    symlinkSync('sub/new', join(dir, 'c'));
    symlinkSync('c', join(dir, 'd'));
    expect(resolveOutputPath(join(dir, 'd'))).toEqual({ target: join(dir, 'sub', 'new'), inPlace: false, exists: false });
  });

  it('writes devices in place, refuses a directory (exit 1) and an empty path (exit 2)', () => {
    expect(resolveOutputPath('/dev/null')).toEqual({ target: '/dev/null', inPlace: true, exists: true });
    expect(() => resolveOutputPath(dir)).toThrow(RuntimeFailure);
    expect(() => resolveOutputPath('')).toThrow(UsageError);
    expect(() => resolveOutputPath('  ')).toThrow(UsageError);
  });

  it('finds a parent that is a file before any work, with the words of ENOTDIR', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const path = join(dir, 'file', 'deeper', 'out.json');
    expect(() => checkOutputPath(path)).toThrow(`cannot write output file: ${path}: not a directory`);
    expect(checkOutputPath(join(dir, 'missing', 'out.json')).exists).toBe(false);
  });
});
