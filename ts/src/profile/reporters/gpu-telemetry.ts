// GPU telemetry (docs/exports.md §14): scrapes the DCGM exporters from before the first request to
// after the last, then keeps the profiling window — from the profiling phase's start to the moment
// the engine is done — for `gpu_telemetry_export.jsonl`, the summary JSON's `gpu_telemetry` block
// and the console's GPU table. Off with `--no-gpu-telemetry`; says nothing when no exporter answered.
import { GPU_TELEMETRY_DEFAULTS } from '../../config/defaults.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { Phase } from '../../load/engine.js';
import { monoNow, wallNs } from '../../metrics/clock.js';
import { GpuTelemetryCollector } from '../../metrics/gpu-telemetry-collector.js';
import { samplesByGpu, summariseGpuWindow } from '../../metrics/gpu-telemetry.js';
import type { LiveGpu, LiveGpuSource } from '../../live/live-snapshot.js';
import { gpuLabel, gpuTelemetryLine } from '../../report/gpu-telemetry-export.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export interface GpuTelemetryReporterOptions {
  intervalMs?: number;
  timeoutMs?: number;
}

export class GpuTelemetryReporter implements ProfileReporter, LiveGpuSource {
  #run: RunContext | null = null;
  #collector: GpuTelemetryCollector | null = null;
  #windowStartNs: bigint | null = null;
  #windowEndNs: bigint | null = null;
  #edge: Promise<void> | null = null;
  #endEdge: Promise<void> | null = null;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;

  constructor(options: GpuTelemetryReporterOptions = {}) {
    this.#intervalMs = options.intervalMs ?? GPU_TELEMETRY_DEFAULTS.intervalMs;
    this.#timeoutMs = options.timeoutMs ?? GPU_TELEMETRY_DEFAULTS.timeoutMs;
  }

  /** The first scrape of every endpoint, before traffic; the samples before the window only anchor its start. */
  async start(run: RunContext): Promise<void> {
    this.#run = run;
    const config = run.config.output.gpuTelemetry;
    if (!config.enabled || config.endpoints.length === 0) return;
    const collector = new GpuTelemetryCollector(config.endpoints, {
      intervalMs: this.#intervalMs,
      timeoutMs: this.#timeoutMs,
      log: (level, message) => run.log(level, message),
    });
    await collector.start();
    if (collector.urls.length === 0) {
      await collector.stop();
      return;
    }
    this.#collector = collector;
    run.log('info', `GPU telemetry from ${collector.urls.join(', ')}`);
  }

  /**
   * The window opens with profiling (after any warmup); a scrape at that instant anchors it (the
   * worker threads announce their start a few ms ahead, so the scrape waits for it).
   */
  onPhaseStart(phase: Phase, startNs: bigint): void {
    const collector = this.#collector;
    if (phase !== 'profiling' || !collector) return;
    this.#windowStartNs = this.#run!.toWallNs(startNs);
    const aheadMs = Number(startNs - monoNow()) / 1e6;
    this.#edge =
      aheadMs > 0 ? new Promise<void>((r) => setTimeout(r, Math.ceil(aheadMs))).then(() => collector.scrapeNow()) : collector.scrapeNow();
  }

  /**
   * The window closes when the last request has ended; a scrape right then anchors it (the
   * collector's last scrape in `finish` may come seconds later, and interpolating across that gap
   * would spread the window's last steps over idle time).
   */
  onEngineDone(): void {
    this.#windowEndNs = wallNs(monoNow());
    if (this.#collector) this.#endEdge = this.#collector.scrapeNow();
  }

  latestGpus(): readonly LiveGpu[] {
    return (this.#collector?.latest() ?? []).map((s) => ({
      label: gpuLabel(s),
      powerW: s.telemetry_data.nvidia_power_usage ?? null,
      utilizationPct: s.telemetry_data.nvidia_gpu_utilization ?? null,
    }));
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const collector = this.#collector;
    if (!collector) return;
    await this.#edge;
    await this.#endEdge;
    const { samples, endpoints } = await collector.stop();
    for (const e of endpoints) {
      if (e.failed_fetches === e.total_fetches) {
        end.warnings.push(`GPU telemetry: ${e.url} gave no GPU metrics (${e.total_fetches} scrapes failed)`);
      } else if (e.failed_fetches > 0) {
        run.log('warning', `GPU telemetry: ${e.failed_fetches} of ${e.total_fetches} scrapes of ${e.url} failed`);
      }
    }
    // Interrupted before profiling began: there is no window to report on.
    if (this.#windowStartNs === null) return;
    // A closed-loop worker may send its first profiling request a few ms before the announced phase
    // start (it starts on the message, which is sent ahead of that instant): the window holds it.
    const first = end.profiling.firstStartNs;
    const phaseStart = this.#windowStartNs;
    const startNs = first !== null && first < phaseStart ? first : phaseStart;
    const endNs = this.#windowEndNs ?? end.endWallNs;
    const window = summariseGpuWindow(samplesByGpu(samples), startNs, endNs, {
      outputTokens: end.metrics.blocks.get('total_osl')?.stats.avg ?? 0,
      requests: end.metrics.blocks.get('request_count')?.stats.avg ?? 0,
    });
    end.gpuTelemetry = { window, endpoints };
    const inside = samples.filter((s) => s.timestamp_ns >= startNs && s.timestamp_ns <= endNs);
    if (inside.length === 0) return;
    await writeFileAtomic(run.path('gpuTelemetry'), linesOf(inside));
    run.written.set('gpuTelemetry', run.path('gpuTelemetry'));
  }
}

function* linesOf(samples: Iterable<Parameters<typeof gpuTelemetryLine>[0]>): Iterable<string> {
  for (const s of samples) yield `${gpuTelemetryLine(s)}\n`;
}
