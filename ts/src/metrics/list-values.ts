// An append-only sequence of float64 values in fixed chunks: a metric's values over a run (one per
// request, or every inter-chunk latency of every request). Full chunks may move to a spill file
// (ts/src/io/spill-file.ts) so that a list metric of a long run (256 values per request at OSL 256)
// costs disk, not memory; reading always goes through `chunks`, in order.
import { SpillFile } from '../io/spill-file.js';
import type { ValueSource } from './streamed-stats.js';

/** Values per chunk (512 KiB of float64). */
export const CHUNK = 65_536;

export interface ValueColumnOptions {
  /** Full chunks kept in memory before later ones go to a spill file (default: never spill). */
  memoryChunks?: number;
  /** Directory of the spill file (default: the OS temp directory). */
  spillDir?: string;
}

/** Whether every value of `chunk` is an int32 other than −0 (token counts): such a chunk is kept as Int32Array, half the size. */
function int32Exact(chunk: Float64Array): boolean {
  for (let i = 0; i < chunk.length; i++) {
    const v = chunk[i]!;
    if ((v | 0) !== v || Object.is(v, -0)) return false;
  }
  return true;
}

export class ValueColumn implements ValueSource {
  /** In-memory chunks (the first ones; later ones may be in the spill file). */
  private readonly memory: Array<Float64Array | Int32Array> = [];
  private spill: SpillFile | null = null;
  /** Chunks in the spill file, all full; they come right after the first `memoryChunks` chunks. */
  private spilled = 0;
  private tail = new Float64Array(CHUNK);
  private tailLength = 0;
  private size = 0;

  constructor(private readonly options: ValueColumnOptions = {}) {}

  get length(): number {
    return this.size;
  }

  push(v: number): void {
    this.tail[this.tailLength++] = v;
    this.size++;
    if (this.tailLength === CHUNK) this.seal();
  }

  /** Moves the full tail to memory or to the spill file. */
  private seal(): void {
    const keep = this.options.memoryChunks ?? Infinity;
    if (this.memory.length < keep) {
      if (int32Exact(this.tail)) this.memory.push(Int32Array.from(this.tail));
      else {
        this.memory.push(this.tail);
        this.tail = new Float64Array(CHUNK);
      }
    } else {
      this.spill ??= new SpillFile(this.options.spillDir);
      this.spill.append(new Uint8Array(this.tail.buffer));
      this.spilled++;
    }
    this.tailLength = 0;
  }

  /** Values `[from, to)` in order, in chunks (a spilled chunk is read into one reused buffer). */
  *chunks(from = 0, to = this.size): Generator<Float64Array> {
    if (from >= to) return;
    const memoryEnd = this.memory.length * CHUNK;
    const spillEnd = memoryEnd + this.spilled * CHUNK;
    let buffer: Float64Array | null = null;
    let i = from;
    while (i < to) {
      const c = Math.floor(i / CHUNK);
      const off = i - c * CHUNK;
      const n = Math.min(CHUNK - off, to - i);
      if (i < memoryEnd) {
        const chunk = this.memory[c]!;
        if (chunk instanceof Float64Array) yield chunk.subarray(off, off + n);
        else {
          buffer ??= new Float64Array(CHUNK);
          const view = buffer.subarray(0, n);
          for (let j = 0; j < n; j++) view[j] = chunk[off + j]!;
          yield view;
        }
      } else if (i < spillEnd) {
        buffer ??= new Float64Array(CHUNK);
        const view = buffer.subarray(0, n);
        this.spill!.read(((c - this.memory.length) * CHUNK + off) * 8, new Uint8Array(view.buffer, 0, n * 8));
        yield view;
      } else yield this.tail.subarray(off, off + n);
      i += n;
    }
  }

  /** Bytes held in memory (not counting the spill file). */
  get memoryBytes(): number {
    return this.memory.reduce((n, c) => n + c.byteLength, this.tail.byteLength);
  }

  /** Releases the spill file; the column is empty afterwards. */
  close(): void {
    this.spill?.close();
    this.spill = null;
    this.memory.length = 0;
    this.spilled = 0;
    this.tailLength = 0;
    this.size = 0;
  }
}
