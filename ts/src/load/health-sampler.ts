// Samples this event loop's health during profiling (docs/metrics.md §10): delay histogram,
// utilisation per 1 s, and (on the coordinator) process CPU per 1 s.
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { EventLoopSamples } from '../metrics/client-health.js';

/**
 * The delay monitor's timer interval. Node records the whole interval between two firings of
 * that timer, not how late it fired, so a loop that is never late reads ~10 ms; every figure is
 * reported net of it (an idle loop reads ~0 ms). libuv's timers count whole milliseconds, so an
 * on-time firing can come up to 1 ms early or late: net values below 0 are clamped to 0 and
 * values under ~1 ms are timer granularity, not lag.
 */
export const LAG_RESOLUTION_MS = 10;

/** The shortest final, partial utilisation sample that is kept. */
const PARTIAL_SAMPLE_MIN_NS = 500_000_000n;

/** A histogram value (ns, interval between timer firings) as lag in ms. */
function lagMs(intervalNs: number): number {
  return Math.max(0, intervalNs / 1e6 - LAG_RESOLUTION_MS);
}

export class LoopSampler {
  private readonly histogram: IntervalHistogram;
  private readonly utilization: number[] = [];
  private readonly cpu: number[] = [];
  private lastElu: EventLoopUtilization;
  private lastCpu: NodeJS.CpuUsage;
  private lastWallNs: bigint;
  /** When the last utilisation sample ended (or sampling began). */
  private lastSampleNs: bigint;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly loopId: string,
    private readonly withCpu: boolean,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    this.histogram.enable();
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastWallNs = process.hrtime.bigint();
    this.lastSampleNs = this.lastWallNs;
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    this.lastSampleNs = process.hrtime.bigint();
    const elu = performance.eventLoopUtilization();
    this.utilization.push(100 * performance.eventLoopUtilization(elu, this.lastElu).utilization);
    this.lastElu = elu;
    if (this.withCpu) {
      const now = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
      const wallUs = Number(now - this.lastWallNs) / 1000;
      if (wallUs > 0) this.cpu.push((100 * usedUs) / wallUs);
      this.lastCpu = cpu;
      this.lastWallNs = now;
    }
  }

  /** Stop sampling and return this loop's figures. */
  stop(): { loop: EventLoopSamples; cpuPercent: number[] } {
    clearInterval(this.timer);
    this.histogram.disable();
    // The last, partial sample counts when it covers at least half a second. A shorter one is
    // mostly the phase's own start and end: a 50 ms run that fails at once read "above 90% busy
    // in 1 of 1 samples" and was flagged SATURATED for it.
    if (process.hrtime.bigint() - this.lastSampleNs >= PARTIAL_SAMPLE_MIN_NS) this.sample();
    const h = this.histogram;
    const has = h.count > 0;
    return {
      loop: {
        loopId: this.loopId,
        lagP50Ms: has ? lagMs(h.percentile(50)) : 0,
        lagP99Ms: has ? lagMs(h.percentile(99)) : 0,
        lagMaxMs: has ? lagMs(h.max) : 0,
        utilizationPct: this.utilization,
      },
      cpuPercent: this.cpu,
    };
  }
}
