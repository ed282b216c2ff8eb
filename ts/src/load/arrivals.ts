// Open-loop arrival schedules of docs/cli.md §3.4 (rate mode): intended send offsets from phase start.
import type { ArrivalPattern } from '../config/defaults.js';
import { standardNormal } from '../random/normal.js';
import { RandomStream } from '../random/index.js';
import { RateRamp } from './ramp.js';

/**
 * Gamma(k, θ) by Marsaglia–Tsang, exactly in the draw order docs/cli.md fixes: per attempt one
 * Box–Muller normal (two `unit()`), then one `unit()` for acceptance; for k < 1 draw Gamma(k+1)
 * and multiply by `unit()^(1/k)`, that draw taken after acceptance.
 */
export function gammaDraw(stream: RandomStream, k: number, theta: number): number {
  const shape = k < 1 ? k + 1 : k;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  let value: number;
  for (;;) {
    const z = standardNormal(stream);
    const u = stream.unit();
    const v0 = 1 + c * z;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
      value = d * v;
      break;
    }
  }
  if (k < 1) value *= stream.unit() ** (1 / k);
  return value * theta;
}

/**
 * The intended send times (ns after phase start) of arrivals 0, 1, 2, … . Arrival 0 is at t = 0;
 * arrival i is the sum of the first i gaps. Every worker computes the same global sequence and
 * keeps the indices `i mod W = w`, so splitting across workers changes no send time.
 */
export class ArrivalSchedule {
  private readonly stream: RandomStream;
  private t = 0; // seconds, float accumulation of the gaps
  /** With a ramp: the arrivals so far at unit rate (the integrated rate the next arrival is due at). */
  private units = 0;
  private index = 0;
  private readonly ramp: RateRamp | null;

  /** `rampSeconds`: `--request-rate-ramp-duration` (ts/src/load/ramp.ts RateRamp), null without one. */
  constructor(
    readonly rate: number,
    readonly pattern: ArrivalPattern,
    readonly smoothness: number,
    seed: bigint,
    rampSeconds: number | null = null,
  ) {
    this.stream = RandomStream.of(seed, 'infermark/dataset/arrivals');
    this.ramp = rampSeconds === null ? null : new RateRamp(rate, rampSeconds);
  }

  /** One inter-arrival gap in seconds. */
  gap(): number {
    switch (this.pattern) {
      case 'constant':
        return 1 / this.rate;
      case 'poisson':
        return -Math.log(1 - this.stream.unit()) / this.rate;
      case 'gamma':
        return gammaDraw(this.stream, this.smoothness, 1 / (this.smoothness * this.rate));
    }
  }

  /** The next arrival: its global index and offset from phase start in nanoseconds. */
  next(): { index: number; offsetNs: bigint } {
    if (this.index > 0) {
      if (this.ramp === null) this.t += this.gap();
      else {
        // The same draws at unit rate, placed where the ramped rate has integrated to them.
        this.units += this.gap() * this.rate;
        this.t = this.ramp.timeOf(this.units);
      }
    }
    const out = { index: this.index, offsetNs: BigInt(Math.round(this.t * 1e9)) };
    this.index += 1;
    return out;
  }
}
