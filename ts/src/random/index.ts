// The deterministic generator of docs/synthesis.md §2 (FNV-1a 64 + SplitMix64), bit-identical to the Rust core.
const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const GOLDEN = 0x9e3779b97f4a7c15n;
const TWO_POW_64 = 1n << 64n;
const TWO_POW_MINUS_53 = 2 ** -53;
const encoder = new TextEncoder();

/** FNV-1a 64 of the bytes (a string is taken as its UTF-8 bytes). */
export function fnv1a64(bytes: Uint8Array | string): bigint {
  const data = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  // Two 32-bit halves in plain numbers: ~50x faster than a BigInt multiply per byte, which
  // matters because the mock hashes every prompt. prime = 2^40 + 0x1b3.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < data.length; i++) {
    lo ^= data[i]!;
    // (hi·2^32 + lo) · (2^40 + 0x1b3) mod 2^64
    const loLow = lo & 0xffff;
    const loHigh = lo >>> 16;
    const a = loLow * 0x1b3;
    const b = loHigh * 0x1b3;
    const newLo = (a + ((b & 0xffff) << 16)) >>> 0;
    const carry = Math.floor((a + (b & 0xffff) * 65536) / 4294967296) + Math.floor(b / 65536);
    const newHi = (Math.imul(hi, 0x1b3) + carry + ((lo << 8) >>> 0)) >>> 0;
    hi = newHi;
    lo = newLo;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Reference implementation used by the tests to pin the fast path. */
export function fnv1a64Reference(bytes: Uint8Array | string): bigint {
  const data = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  let h = FNV_OFFSET;
  for (const b of data) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return h;
}

/** SplitMix64's finaliser (MIX of §2.1). */
export function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

const labelHashes = new Map<string, bigint>();
function labelHash(label: string): bigint {
  let h = labelHashes.get(label);
  if (h === undefined) {
    h = fnv1a64(label);
    labelHashes.set(label, h);
  }
  return h;
}

/** One SplitMix64 stream; `stream(seed, label, ...keys)` of §2.1 is `RandomStream.of`. */
export class RandomStream {
  private state: bigint;

  private constructor(state: bigint) {
    this.state = state & MASK64;
  }

  /** `stream(seed, label, k1, …, kj)`: keys are taken modulo 2^64. */
  static of(seed: bigint, label: string, ...keys: bigint[]): RandomStream {
    let state = (seed & MASK64) ^ labelHash(label);
    for (const k of keys) state = mix64(state ^ (k & MASK64));
    return new RandomStream(state);
  }

  /** A stream with this exact state (for the SplitMix64 test vectors). */
  static fromState(state: bigint): RandomStream {
    return new RandomStream(state);
  }

  /** The current state (test vectors list it). */
  get currentState(): bigint {
    return this.state;
  }

  next(): bigint {
    this.state = (this.state + GOLDEN) & MASK64;
    return mix64(this.state);
  }

  /** Uniform integer in [0, n), n ≥ 1, by rejection (consumes ≥ 1 draw). */
  below(n: number | bigint): number {
    const bn = BigInt(n);
    if (bn < 1n) throw new RangeError(`below(n) needs n >= 1, got ${n}`);
    const t = (TWO_POW_64 - bn) % bn;
    for (;;) {
      const x = this.next();
      if (x >= t) return Number(x % bn);
    }
  }

  /** Uniform double in [0, 1) from the top 53 bits of one draw. */
  unit(): number {
    return Number(this.next() >> 11n) * TWO_POW_MINUS_53;
  }
}
