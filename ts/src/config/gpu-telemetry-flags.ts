// `--gpu-telemetry [items...]` and `--no-gpu-telemetry` (docs/cli.md §3.5): which DCGM exporter
// endpoints `profile` scrapes. AIPerf 0.13's items are recognised; the ones that need a local GPU
// library or a custom metrics file are refused with a reason (exit 2), before any traffic.
import { UsageError } from '../errors.js';
import { GPU_TELEMETRY_DEFAULTS } from './defaults.js';
import { redactUrl, takeUrlCredentials } from './url-credentials.js';

export interface GpuTelemetryEndpoint {
  /** The scrape URL without its user:password, ending in `/metrics`. */
  url: string;
  /** `Authorization: Basic …` of the URL's user:password, or null. */
  authorization: string | null;
  /**
   * A default address the user did not name: skipped silently when it does not answer the first
   * scrape. A named URL is scraped all run and its failures are reported.
   */
  optional: boolean;
}

export interface GpuTelemetryConfig {
  enabled: boolean;
  endpoints: GpuTelemetryEndpoint[];
}

const FLAG = '--gpu-telemetry';

/** AIPerf's form of an exporter address: scheme optional (http), `/metrics` appended unless the path ends with it. */
export function dcgmMetricsUrl(item: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(item) ? item : `http://${item}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`option '${FLAG}': expected a DCGM exporter URL, got '${redactUrl(item)}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`option '${FLAG}': expected an http or https URL, got '${redactUrl(item)}'`);
  }
  const trimmed = withScheme.replace(/\/+$/, '');
  return /\/metrics$/.test(new URL(trimmed).pathname) ? trimmed : `${trimmed}/metrics`;
}

/**
 * The endpoints of `--gpu-telemetry` (`items`: the values given, `true` for the flag alone,
 * undefined when absent). Without URLs the defaults are tried; URLs replace them (AIPerf adds its
 * defaults to the URLs given; here a local exporter's GPUs would then count into a remote
 * server's energy, so the URLs named are the ones scraped).
 */
export function resolveGpuTelemetry(items: readonly string[] | true | undefined, disabled: boolean): GpuTelemetryConfig {
  if (disabled) return { enabled: false, endpoints: [] };
  const given = items === true || items === undefined ? [] : items;
  const urls: GpuTelemetryEndpoint[] = [];
  for (const item of given) {
    const lower = item.toLowerCase();
    if (lower === 'pynvml' || lower === 'amdsmi') {
      throw new UsageError(
        `option '${FLAG}': '${item}' (a local GPU library) is not supported; run NVIDIA's dcgm-exporter and pass its URL ` +
          `(default ${GPU_TELEMETRY_DEFAULTS.urls[0]})`,
      );
    }
    // AIPerf's realtime terminal dashboard mode; the GPU figures are always collected here and the
    // live view is `--ui dashboard`, so the word selects nothing more.
    if (lower === 'dashboard') continue;
    if (lower.endsWith('.csv')) {
      throw new UsageError(
        `option '${FLAG}': a custom metrics CSV file ('${item}') is not supported; the DCGM metrics read are fixed (docs/exports.md)`,
      );
    }
    if (!/^https?:\/\//i.test(item) && !item.includes(':')) {
      throw new UsageError(
        `option '${FLAG}': '${redactUrl(item)}' is not a URL (host:port or http://host:port/metrics), 'dashboard', or a known mode`,
      );
    }
    const { url, authorization } = takeUrlCredentials(item.trim(), `${FLAG} <urls>`);
    urls.push({ url: dcgmMetricsUrl(url), authorization, optional: false });
  }
  if (urls.length > 0) {
    const seen = new Set<string>();
    return { enabled: true, endpoints: urls.filter((e) => !seen.has(e.url) && seen.add(e.url)) };
  }
  return { enabled: true, endpoints: GPU_TELEMETRY_DEFAULTS.urls.map((url) => ({ url, authorization: null, optional: true })) };
}
