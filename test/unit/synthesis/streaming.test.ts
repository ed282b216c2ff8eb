// The asynchronous drivers: read-ahead file chunks, odd chunking, and a slow sink that must hold the core back, on both backends.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKEND_NAMES, type BackendName } from '../../../ts/src/index.js';
import { fileSource, generateStream, transformStream, type ByteSink, type ByteSource } from '../../../ts/src/synthesis/index.js';
import { WriteBehind } from '../../../ts/src/io/output-target.js';

const REAL = resolve(__dirname, '../../../../shared/data/mooncake/conversation_trace.jsonl');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// Produced by the synchronous drivers (commit e6c04ba, before read-ahead/write-behind) on both
// backends: transformTrace(real, TRANSFORM) and generateTrace(real, 30000, GENERATE).
const TRANSFORM = { speedupRatio: '2', prefixLenMultiplier: '1.5', prefixRootMultiplier: 2, seed: 5n };
const TRANSFORM_SHA = '3d2e8ecbab6c948ea6fd7e20a14390df68488a786faebabb3538c38166329b03';
const GENERATE = { prefixLenMultiplier: '1.5', seed: 5n };
const GENERATE_SHA = '0cfce80e7c58af3a3435928aeb45677e2770f1857dfc4356a0349cfdb82c659f';
// The 1,000 grown rows below: both backends, and the code before the emit buffer (one pushEmit per chunk).
const GROWN_SHA = 'ce45a72cab19b458deb2dae61ea2cd5c65c7839f744a969c652747b10a6c497f';

/** Chunks of odd, changing sizes (1 byte up to 64 KiB + 1), splitting rows and UTF-8 anywhere. */
function oddChunks(bytes: Uint8Array): ByteSource {
  const sizes = [1, 7, 4093, 65537, 2, 333, 10007];
  return {
    size: bytes.length,
    async forEachChunk(onChunk) {
      for (let i = 0, k = 0; i < bytes.length; k += 1) {
        const n = sizes[k % sizes.length] as number;
        const wait = onChunk(bytes.subarray(i, Math.min(bytes.length, i + n)));
        if (wait) await wait;
        i += n;
      }
    },
  };
}

/**
 * The slowest sink there is, without timing: behind a `limit`-byte queue, its writes complete only
 * while the driver awaits the promise of a push that went over the bound, so a driver that does not
 * wait queues its whole output (however often it yields). `release()` lets the rest out.
 */
function heldSink(limit: number): { sink: ByteSink; queue: WriteBehind; bytes(): Buffer; release(): void } {
  const parts: Buffer[] = [];
  let released = false;
  let openGate = (): void => undefined;
  let gate = Promise.resolve();
  const closeGate = (): void => {
    if (!released) gate = new Promise<void>((resolve) => (openGate = resolve));
  };
  closeGate();
  const queue = new WriteBehind(
    async (chunks) => {
      await gate;
      const first = chunks[0] as Uint8Array;
      parts.push(Buffer.from(first));
      return first.length;
    },
    { limit },
  );
  const write = (chunk: Uint8Array): void | Promise<void> => {
    const wait = queue.push(chunk);
    if (!wait) return undefined;
    const held = wait.then(closeGate);
    held.catch(() => undefined);
    // Not a native promise, so that `await` calls `then` and the gate opens when the driver waits
    // (`.catch`, which drivers call to mark a rejection handled, does not open it).
    return {
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, to see when the driver awaits it
      then(onFulfilled, onRejected) {
        if (typeof onFulfilled === 'function') openGate();
        return held.then(onFulfilled, onRejected);
      },
      catch: (onRejected) => held.catch(onRejected),
      finally: (onFinally) => held.finally(onFinally),
      [Symbol.toStringTag]: 'Promise',
    } as Promise<void>;
  };
  const release = (): void => {
    released = true;
    openGate();
  };
  return { sink: { write }, queue, bytes: () => Buffer.concat(parts), release };
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infermark-stream-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileSource', () => {
  it('reads ahead into the other buffer only: a chunk stays intact until its callback has finished', async () => {
    // 12 MiB: three 4 MiB reads, so both buffers are reused.
    const real = readFileSync(REAL);
    const bytes = Buffer.concat([real, real, real, real]);
    const path = join(dir, 'x4.jsonl');
    writeFileSync(path, bytes);
    // Every read the source starts, so that a callback can wait for the read-ahead to land.
    const probe = await open(path, 'r');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const reads: Promise<unknown>[] = [];
    const realRead = proto.read;
    const spy = vi.spyOn(proto, 'read').mockImplementation(function (this: FileHandle, ...args: unknown[]) {
      const p = (realRead as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      reads.push(p);
      return p as ReturnType<FileHandle['read']>;
    });
    const hash = createHash('sha256');
    let chunks = 0;
    try {
      await fileSource(path).forEachChunk(async (chunk) => {
        chunks += 1;
        const before = sha256(chunk);
        // The read into the other buffer has started before this callback: let it complete.
        expect(reads).toHaveLength(chunks + 1);
        await reads.at(-1);
        expect(sha256(chunk)).toBe(before);
        hash.update(chunk);
      });
    } finally {
      spy.mockRestore();
    }
    expect(chunks).toBe(3);
    expect(hash.digest('hex')).toBe(sha256(bytes));
  });
});

describe.each(BACKEND_NAMES.map((b) => [b]))('asynchronous drivers on the %s backend', (backend: BackendName) => {
  it('transform: odd chunks and a slow sink give the synchronous drivers’ bytes, with bounded bytes in flight', async () => {
    const s = heldSink(256 * 1024);
    await transformStream(oddChunks(readFileSync(REAL)), s.sink, { ...TRANSFORM, backend });
    s.release();
    await s.queue.flush();
    expect(sha256(s.bytes())).toBe(TRANSFORM_SHA);
    // One pushEmit returns at most ~80 KiB for a 64 KiB input chunk.
    expect(s.queue.peakBytesQueued).toBeLessThanOrEqual(256 * 1024 + 128 * 1024);
  });

  it('transform of a 12 MiB file (read-ahead buffers reused) equals the in-memory run', async () => {
    const real = readFileSync(REAL);
    const path = join(dir, `x4-${backend}.jsonl`);
    writeFileSync(path, Buffer.concat([real, real, real, real]));
    const fromFile = heldSink(8 * 1024 * 1024);
    const fromMemory = heldSink(Infinity);
    await transformStream(fileSource(path), fromFile.sink, { ...TRANSFORM, backend });
    await transformStream(oddChunks(readFileSync(path)), fromMemory.sink, { ...TRANSFORM, backend });
    fromFile.release();
    fromMemory.release();
    await Promise.all([fromFile.queue.flush(), fromMemory.queue.flush()]);
    expect(fromFile.bytes().length).toBeGreaterThan(12_000_000);
    expect(fromFile.bytes().equals(fromMemory.bytes())).toBe(true);
  });

  it('transform: rows that grow past the 32 MiB emit buffer come out whole, one buffer at a time (docs/synthesis.md §7)', async () => {
    // 1,000 rows that each grow about 500-fold (~63 KB): 63 MB of output from 80 KB of input.
    // Before, one pushEmit returned all of it at once, however large.
    const rows = Array.from(
      { length: 1000 },
      (_, i) => `{"timestamp":${i},"input_length":1024,"output_length":1,"hash_ids":[${2 * i},${2 * i + 1}]}\n`,
    );
    const s = heldSink(8 * 1024 * 1024);
    const run = await transformStream(oddChunks(Buffer.from(rows.join(''))), s.sink, { promptLenMultiplier: '4000', backend });
    s.release();
    await s.queue.flush();
    const out = s.bytes();
    expect(out.length).toBeGreaterThan(60 * 1024 * 1024);
    expect(run.report.rows_out).toBe(1000);
    expect(out.toString('latin1').split('\n').length - 1).toBe(1000);
    expect(sha256(out)).toBe(GROWN_SHA);
    // The queue bound plus at most one emit buffer (32 MiB) and one row.
    expect(s.queue.peakBytesQueued).toBeLessThanOrEqual(8 * 1024 * 1024 + 32 * 1024 * 1024 + 128 * 1024);
  });

  it('generate: a slow sink holds generation back; the bytes are the synchronous drivers’', async () => {
    const s = heldSink(2 * 1024 * 1024);
    const run = await generateStream(oddChunks(readFileSync(REAL)), 30_000, s.sink, { ...GENERATE, backend });
    s.release();
    await s.queue.flush();
    expect(run.report.generated).toBe(30_000);
    expect(sha256(s.bytes())).toBe(GENERATE_SHA);
    expect(s.queue.peakBytesQueued).toBeGreaterThan(2 * 1024 * 1024); // the bound was reached…
    expect(s.queue.peakBytesQueued).toBeLessThanOrEqual(3 * 1024 * 1024 + 64 * 1024); // …and held (chunks are ~1 MiB)
  });
});
