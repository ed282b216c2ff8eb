// `--per-chunk-usage` against llama.cpp's llama-server (docs/metrics.md §3.1): it ignores
// stream_options.continuous_usage_stats, which infermark reports and survives, and with
// `timings_per_token: true` in the body it sends its running `timings.predicted_n` on every chunk,
// which infermark counts. llama-server sends one token per chunk, so ITL is then the decode time
// over the server's completion tokens − 1, whatever the client tokenizer counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, type CliRun, metric, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

const REQUESTS = 4;
let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer();
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

const run = (name: string, extra: string[]): Promise<CliRun> =>
  profileCli(server, `${artifacts.dir}/${name}`, [
    ...['--endpoint-type', 'chat', '--streaming', '--per-chunk-usage', '--concurrency', '2'],
    ...['--request-count', String(REQUESTS), '--isl', '64', '--osl', '8', '--extra-inputs', 'ignore_eos:true', ...extra],
  ]);

describe('--per-chunk-usage against llama-server', () => {
  it('counts the tokens of every chunk from timings.predicted_n with timings_per_token', async () => {
    const r = await run('timings', ['--extra-inputs', 'timings_per_token:true']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.records).toHaveLength(REQUESTS);
    expect(r.stdout + r.stderr).not.toContain('per-chunk token counts');
    for (const rec of r.records) {
      const completion = metric(rec, 'usage_completion_tokens')!;
      const decode = metric(rec, 'request_latency')! - metric(rec, 'time_to_first_token')!;
      expect(metric(rec, 'inter_token_latency')).toBeCloseTo(decode / (completion - 1), 9);
      const gaps = rec.metrics['inter_token_gap']!.value as unknown as number[];
      expect(gaps).toHaveLength(completion - 1);
    }
  }, 120_000);

  it('falls back to one token per chunk, with a warning, when the server sends no per-chunk counts', async () => {
    const r = await run('plain', []);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain(`warning: ${REQUESTS} streamed response(s) carried no per-chunk token counts`);
    for (const rec of r.records) expect(rec.metrics['inter_token_gap']).toBeUndefined();
  }, 120_000);
});
