// Seeded generator of realistic Mooncake-like traces: shared system-prompt roots, multi-turn
// sessions whose hash-id prefixes grow turn by turn, 1–250 blocks per row, block layouts
// consistent at the chosen block size, integer millisecond timestamps.

export interface TraceGeneratorOptions {
  rows: number;
  seed: number;
  /** Block size the layouts are consistent at (default 512). */
  blockSize?: number;
  /** Number of shared system-prompt roots (default 6). */
  roots?: number;
  /** Fraction of sessions whose rows carry a `session_id` (default 0.3). */
  sessionIdFraction?: number;
  /**
   * Give a row's partial last block an id of its own, as the published Mooncake traces do, so the
   * trace has no materialisation size conflict (docs/trace-format.md §7.1) and can be replayed.
   * Default false: a session's later turn reuses the earlier turn's partial last id as a full block.
   */
  materialisable?: boolean;
}

/** sfc32, seeded through splitmix32: small, fast, and identical on every platform. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }
  nextU32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

interface Session {
  hashes: number[];
  turnsLeft: number;
  sessionId: string | null;
}

const MAX_BLOCKS = 250;
const MAX_ACTIVE_SESSIONS = 512;

/** Yield the trace one JSON line at a time (without `\n`), so callers can stream it. */
export function* generateTraceLines(options: TraceGeneratorOptions): Generator<string> {
  const rng = new Rng(options.seed);
  const bs = options.blockSize ?? 512;
  const sessionIdFraction = options.sessionIdFraction ?? 0.3;
  let nextId = 0;
  const fresh = (count: number): number[] => Array.from({ length: count }, () => nextId++);
  const roots = Array.from({ length: options.roots ?? 6 }, () => fresh(rng.int(1, 8)));
  const active: Session[] = [];
  let sessionCounter = 0;
  let timestamp = 0;

  for (let row = 0; row < options.rows; row++) {
    let session: Session;
    if (active.length === 0 || (active.length < MAX_ACTIVE_SESSIONS && rng.next() < 0.4)) {
      // Zipf-like root popularity: root k is chosen with weight 1/(k+1).
      let root = roots[0]!;
      for (let k = roots.length - 1; k >= 0; k--)
        if (rng.next() < 1 / (k + 1)) {
          root = roots[k]!;
          break;
        }
      const total = Math.max(1, Math.min(MAX_BLOCKS, Math.round(Math.exp(2.3 + 0.9 * rng.normal()))));
      const shared = root.slice(0, Math.min(root.length, total));
      session = {
        hashes: [...shared, ...fresh(total - shared.length)],
        turnsLeft: rng.next() < 0.5 ? 0 : rng.int(1, 6),
        sessionId: rng.next() < sessionIdFraction ? `s${sessionCounter++}` : null,
      };
      if (session.turnsLeft > 0) active.push(session);
    } else {
      const index = rng.int(0, active.length - 1);
      session = active[index]!;
      const grow = Math.min(MAX_BLOCKS - session.hashes.length, rng.int(1, 12));
      session.hashes = [...session.hashes, ...fresh(Math.max(0, grow))];
      session.turnsLeft--;
      if (session.turnsLeft <= 0 || session.hashes.length >= MAX_BLOCKS) {
        active[index] = active[active.length - 1]!;
        active.pop();
      }
    }
    const n = session.hashes.length;
    const isl = (n - 1) * bs + rng.int(1, bs);
    const osl = Math.max(1, Math.min(2000, Math.round(Math.exp(5.5 + 0.8 * rng.normal()))));
    timestamp += Math.floor(rng.exponential(300));
    const sid = session.sessionId === null ? '' : `, "session_id": "${session.sessionId}"`;
    const hashes = options.materialisable && isl < n * bs ? [...session.hashes.slice(0, n - 1), nextId++] : session.hashes;
    yield `{"timestamp": ${timestamp}, "input_length": ${isl}, "output_length": ${osl}, "hash_ids": [${hashes.join(', ')}]${sid}}`;
  }
}

/** The whole trace as one string (each line ends with `\n`); for small traces in tests. */
export function generateTrace(options: TraceGeneratorOptions): string {
  let out = '';
  for (const line of generateTraceLines(options)) out += `${line}\n`;
  return out;
}
