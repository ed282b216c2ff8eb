// Network calibration (docs/metrics.md §14, docs/exports.md §17): with `--network-latency-automatic`
// probes every server's TCP handshake during profiling on its own sockets (the main thread's loop,
// never the engine's worker threads) and writes `profile_export_network_latency.jsonl`; with it or
// `--network-latency-mean`, adds `network_adjusted_*` and `network_rtt` to the run's metrics. It
// finishes before the summary files so they carry them.
import { NETWORK_DEFAULTS } from '../../config/network-config.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { Phase } from '../../load/engine.js';
import { addBlocks, networkAdjustedBlocks, subtractedRttNs } from '../../metrics/network-adjusted.js';
import { NetworkLatencyProber, probeTargetOf, type ProbeTarget } from '../../metrics/network-latency-prober.js';
import { networkLatencyLine } from '../../report/network-latency-export.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

const NS_PER_MS = 1e6;

export class NetworkLatencyReporter implements ProfileReporter {
  #run: RunContext | null = null;
  #prober: NetworkLatencyProber | null = null;

  async start(run: RunContext): Promise<void> {
    this.#run = run;
    const latency = run.config.network.latency;
    if (latency.mode !== 'automatic') return;
    // One target per distinct host:port of the --url values.
    const targets = new Map<string, ProbeTarget>();
    for (const url of run.config.endpoint.urls) {
      const t = probeTargetOf(url);
      if (!targets.has(`${t.host}:${t.port}`)) targets.set(`${t.host}:${t.port}`, t);
    }
    this.#prober = new NetworkLatencyProber([...targets.values()], {
      intervalMs: latency.pingIntervalSeconds * 1000,
      timeoutMs: NETWORK_DEFAULTS.probeTimeoutSeconds * 1000,
      log: (m) => run.log('warning', m),
    });
    await this.#prober.resolve();
  }

  /** Probes span the profiling phase, as AIPerf's do. */
  onPhaseStart(phase: Phase): void {
    if (phase === 'profiling') this.#prober?.start();
  }

  onEngineDone(): void {
    this.#prober?.halt();
  }

  async finish(end: RunEnd): Promise<void> {
    const run = this.#run!;
    const latency = run.config.network.latency;
    if (latency.mode === 'off') return;
    let rttNs: number | null;
    let how: string;
    if (latency.mode === 'mean') {
      rttNs = latency.meanMs * NS_PER_MS;
      how = 'given by --network-latency-mean';
    } else {
      const prober = this.#prober!;
      // A probe failure is data: the run goes on whatever the probes did. An interrupted run is
      // not held up by the top-up.
      await prober.stop(end.interrupted ? 0 : NETWORK_DEFAULTS.minSamples, NETWORK_DEFAULTS.topUpBudgetSeconds * 1000);
      const samples = prober.samples;
      await writeFileAtomic(run.path('networkLatency'), samples.map((s) => `${networkLatencyLine(s, run.toWallNs)}\n`).join(''));
      run.written.set('networkLatency', run.path('networkLatency'));
      end.footerLines.push(`Network Latency Probes: ${run.path('networkLatency')}`);
      const rtts = samples.flatMap((s) => (s.rttNs === null ? [] : [s.rttNs]));
      rttNs = subtractedRttNs(rtts);
      const failed = samples.length - rtts.length;
      how = `median of ${rtts.length} TCP-handshake probes${failed > 0 ? `, ${failed} failed` : ''}`;
      if (rttNs === null) {
        end.warnings.push('network latency: no TCP-handshake probe succeeded; no network_adjusted_* metrics');
        return;
      }
    }
    // A zero round trip would repeat the raw metrics under other names (AIPerf skips it too).
    if (rttNs === 0) {
      run.log('info', 'network latency: the round trip is 0 ms; no network_adjusted_* metrics');
      return;
    }
    const rttMs = rttNs / NS_PER_MS;
    const values = new Map([...end.profiling.successMetrics].map(([tag, col]) => [tag, col.values]));
    addBlocks(end.metrics, networkAdjustedBlocks(values, rttMs));
    const line = `Network RTT: ${rttMs.toFixed(3)} ms (${how}), subtracted in the network_adjusted_* metrics`;
    end.footerLines.push(line);
    run.log('info', line);
  }
}
