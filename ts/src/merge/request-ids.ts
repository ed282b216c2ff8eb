// Which `x_request_id`s appear twice (a shard given twice, docs/cli.md §9), without keeping a
// million strings: each id becomes a 53-bit hash (8 bytes), sorted natively at the end. Equal
// hashes are only candidates (a million distinct ids share one with odds near 1e-4): the caller
// confirms them on the ids themselves.

const CHUNK = 1 << 16;

/** 53 bits of two 32-bit FNV-1a variants of `s`, exact in a double. */
export function idHash(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) >>> 11);
}

export class RequestIdIndex {
  readonly #chunks: Float64Array[] = [];
  #count = 0;

  add(id: string): void {
    const i = this.#count % CHUNK;
    if (i === 0) this.#chunks.push(new Float64Array(CHUNK));
    this.#chunks[this.#chunks.length - 1]![i] = idHash(id);
    this.#count++;
  }

  /** Hashes held by more than one id: empty in the ordinary case. */
  repeatedHashes(): Set<number> {
    const all = new Float64Array(this.#count);
    let at = 0;
    for (const c of this.#chunks) {
      const n = Math.min(CHUNK, this.#count - at);
      all.set(c.subarray(0, n), at);
      at += n;
    }
    all.sort();
    const out = new Set<number>();
    for (let j = 1; j < all.length; j++) if (all[j] === all[j - 1]) out.add(all[j]!);
    return out;
  }
}
