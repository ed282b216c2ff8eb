// The flags of network calibration and the HTTP trace (docs/cli.md §3.13), AIPerf 0.13's names, kept
// apart from profile's main table as the repeated-run flags are; profile, sweep and k8s render take them with it.
import { MAX_NETWORK_LATENCY_MEAN_MS, NETWORK_DEFAULTS, PING_INTERVAL_RANGE, type NetworkOptions } from '../config/network-config.js';
import type { OptionSpec } from './option-table.js';
import { numberIn } from './option-types.js';

export const NETWORK_OPTIONS: readonly OptionSpec<NetworkOptions>[] = [
  {
    key: 'networkLatencyAutomatic',
    flags: '--network-latency-automatic',
    description:
      'probe the server with TCP handshakes during profiling and report network_adjusted_* latencies with the measured RTT subtracted',
  },
  {
    key: 'networkLatencyMean',
    flags: '--network-latency-mean <ms>',
    description: 'subtract this network RTT (ms) from the latencies as network_adjusted_* metrics, without probing',
    parser: numberIn(0, MAX_NETWORK_LATENCY_MEAN_MS),
  },
  {
    key: 'networkLatencyPingInterval',
    flags: '--network-latency-ping-interval <s>',
    description: 'seconds between two TCP-handshake probes of --network-latency-automatic',
    parser: numberIn(PING_INTERVAL_RANGE.min, PING_INTERVAL_RANGE.max),
    shownDefault: NETWORK_DEFAULTS.pingIntervalSeconds,
  },
  {
    key: 'exportHttpTrace',
    flags: '--export-http-trace',
    description:
      "add each request's HTTP timeline (DNS, connect, TLS, write, first byte, every chunk, headers, sizes) to profile_export.jsonl as trace_data",
  },
];
