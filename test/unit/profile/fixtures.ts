// A `profile` run's report side without the engine, for tests: the docs/metrics.md §11 run with an
// API key and a secret header, fed to a RunPipeline with the standard reporters.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveProfileConfig, type ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { parseGoodput } from '../../../ts/src/metrics/goodput.js';
import { RunPipeline, type RunPipelineOptions } from '../../../ts/src/profile/run-pipeline.js';
import { standardReporters, type StandardReporterOptions } from '../../../ts/src/profile/standard-reporters.js';
import { toWallNs, wordCounter } from '../metrics/fixtures.js';

export const API_KEY = 'sk-123secretvalue';
export const BEARER = 'Bearer xyz-header-secret';
const GOODPUT = 'time_to_first_token:120 inter_token_latency:25';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'infermark-report-'));
}

export const ARGV = [
  'infermark',
  'profile',
  '-m',
  'mock-model',
  '--streaming',
  '--api-key',
  API_KEY,
  '-H',
  `Authorization: ${BEARER}`,
  '--goodput',
  GOODPUT,
];

/** The run's configuration: files directly in `dir`, raw exports, no server metrics. */
export function runOptions(dir: string, extra: Partial<ProfileOptions> = {}): ProfileOptions {
  return {
    model: ['mock-model'],
    streaming: true,
    apiKey: API_KEY,
    header: [`Authorization: ${BEARER}`, 'X-Trace: visible'],
    goodput: [GOODPUT],
    artifactDir: dir,
    exportLevel: 'raw',
    concurrency: 2,
    requestCount: 3,
    noServerMetrics: true,
    ui: 'none',
    ...extra,
  };
}

export interface TestRun {
  pipeline: RunPipeline;
  /** Everything the console reporter printed. */
  printed(): string;
}

/** Open a pipeline with the standard reporters (the summary printed to a string, without colour). */
export async function openRun(
  dir: string,
  extra: Partial<ProfileOptions> = {},
  more: { pipeline?: Partial<RunPipelineOptions>; reporters?: StandardReporterOptions } = {},
): Promise<TestRun> {
  const config = resolveProfileConfig(runOptions(dir, extra), ARGV);
  let printed = '';
  const pipeline = await RunPipeline.open({
    config,
    reporters: standardReporters({ stdout: { write: (s: string) => (printed += s) }, colour: false, ...more.reporters }),
    tokens: wordCounter,
    tokenizer: { spec: 'builtin', resolvedPath: null },
    goodput: parseGoodput(config.output.goodput, { streaming: true }),
    version: '0.1.0',
    toWallNs,
    ...more.pipeline,
  });
  return { pipeline, printed: () => printed };
}
