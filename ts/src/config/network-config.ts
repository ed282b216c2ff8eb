// Network calibration and the HTTP trace (docs/cli.md §3.13): `--network-latency-automatic`,
// `--network-latency-mean`, `--network-latency-ping-interval` and `--export-http-trace`, AIPerf 0.13's
// names, kept apart from profile's main options as the repeated-run options are.
import { UsageError } from '../errors.js';

export const NETWORK_DEFAULTS = {
  /** Seconds between two TCP-handshake probes (AIPerf's default). */
  pingIntervalSeconds: 1,
  /** Successful probes a run ends with at least: a short run is topped up at its end (AIPerf's floor). */
  minSamples: 5,
  /** One probe's connect timeout, in seconds (AIPerf's). */
  probeTimeoutSeconds: 5,
  /** The whole top-up at the end of the run may take this long, in seconds (AIPerf's). */
  topUpBudgetSeconds: 3,
} as const;

/** The bounds of `--network-latency-ping-interval` (AIPerf's) and `--network-latency-mean` (an hour). */
export const PING_INTERVAL_RANGE = { min: 0.001, max: 300 } as const;
export const MAX_NETWORK_LATENCY_MEAN_MS = 3_600_000;

export interface NetworkOptions {
  networkLatencyAutomatic?: boolean;
  /** Milliseconds. */
  networkLatencyMean?: number;
  networkLatencyPingInterval?: number;
  exportHttpTrace?: boolean;
}

/** How the network RTT subtracted from the latency metrics is known (docs/metrics.md §14). */
export type NetworkLatencyConfig = { mode: 'off' } | { mode: 'automatic'; pingIntervalSeconds: number } | { mode: 'mean'; meanMs: number };

export interface NetworkConfig {
  latency: NetworkLatencyConfig;
  /** `--export-http-trace`: each record of `profile_export.jsonl` carries its `trace_data` (docs/exports.md §3.4). */
  exportHttpTrace: boolean;
}

/** The flags' settings; the two ways of knowing the RTT exclude each other, the interval needs probing (exit 2). */
export function resolveNetworkConfig(o: NetworkOptions): NetworkConfig {
  const automatic = o.networkLatencyAutomatic === true;
  if (automatic && o.networkLatencyMean !== undefined) {
    throw new UsageError("option '--network-latency-automatic' cannot be used with option '--network-latency-mean'");
  }
  // AIPerf ignores the interval without probing; a flag that does nothing is more likely a mistake.
  if (o.networkLatencyPingInterval !== undefined && !automatic) {
    throw new UsageError("option '--network-latency-ping-interval' requires option '--network-latency-automatic'");
  }
  const latency: NetworkLatencyConfig = automatic
    ? { mode: 'automatic', pingIntervalSeconds: o.networkLatencyPingInterval ?? NETWORK_DEFAULTS.pingIntervalSeconds }
    : o.networkLatencyMean !== undefined
      ? { mode: 'mean', meanMs: o.networkLatencyMean }
      : { mode: 'off' };
  return { latency, exportHttpTrace: o.exportHttpTrace === true };
}
