// Reporter options for tests: the metrics.md §11 run with an API key and a secret header.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunReporterOptions } from '../../../ts/src/report/run-reporter.js';
import type { InputConfig } from '../../../ts/src/report/summary-json.js';
import { parseGoodput } from '../../../ts/src/metrics/goodput.js';
import { toWallNs, wordCounter } from '../metrics/fixtures.js';

export const API_KEY = 'sk-123secretvalue';
export const BEARER = 'Bearer xyz-header-secret';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'infermark-report-'));
}

export function inputConfig(dir: string): InputConfig {
  return {
    endpoint: {
      model_names: ['mock-model'],
      type: 'chat',
      custom_endpoint: null,
      streaming: true,
      url: 'http://127.0.0.1:8000',
      timeout_seconds: 21600,
      api_key: API_KEY,
      headers: { Authorization: BEARER, 'X-Trace': 'visible' },
      extra: null,
    },
    input: { file: null, random_seed: 0, goodput: { time_to_first_token: 120, inter_token_latency: 25 } },
    loadgen: { concurrency: 2, request_rate: null, request_count: 3 },
    output: { artifact_directory: dir, profile_export_prefix: null, export_level: 'raw', slice_duration: null },
    tokenizer: { name: 'builtin', resolved_path: null },
    server_metrics: { enabled: false, urls: [] },
  };
}

export const ARGV = [
  'infermark', 'profile', '-m', 'mock-model', '--streaming', '--api-key', API_KEY, '-H', `Authorization: ${BEARER}`,
  '--goodput', 'time_to_first_token:120 inter_token_latency:25',
];

export function reporterOptions(dir: string, extra: Partial<RunReporterOptions> = {}): RunReporterOptions {
  return {
    artifactDir: dir,
    artifactDirExplicit: true,
    models: ['mock-model'],
    endpointType: 'chat',
    stimulus: { kind: 'concurrency', concurrency: 2 },
    mode: 'concurrency',
    streaming: true,
    exportLevel: 'raw',
    goodput: parseGoodput(['time_to_first_token:120 inter_token_latency:25'], { streaming: true }),
    tokens: wordCounter,
    inputConfig: inputConfig(dir),
    argv: ARGV,
    apiKey: API_KEY,
    headers: { Authorization: BEARER },
    randomSeed: 0,
    version: '0.1.0',
    stdout: null,
    toWallNs,
    ...extra,
  };
}
