// `profile --endpoint-type embeddings` against llama.cpp's llama-server started with `--embeddings`
// (mean pooling: the tiny model has no pooling of its own, and llama-server refuses OpenAI
// embeddings without one): every request answered with one embedding per input, the ISL the
// client counts equal to the server's usage.prompt_tokens, and the per-input throughput.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer({ parallel: 2, extraFlags: '--embeddings --pooling mean' });
});
afterAll(() => {
  server?.stop();
  artifacts.remove();
});

describe('llama-server /v1/embeddings', () => {
  it('embeds --prompt-batch-size inputs per request, counting the tokens the server counts', async () => {
    const dir = join(artifacts.dir, 'embeddings');
    const run = await profileCli(server, dir, [
      '--endpoint-type',
      'embeddings',
      '-b',
      '2',
      '--isl',
      '16',
      '--request-count',
      '4',
      '--num-dataset-entries',
      '8',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
    const s = JSON.parse(readFileSync(join(dir, 'profile_export_aiperf.json'), 'utf8'));
    expect(s.input_sequence_length.avg).toBe(32);
    expect(s.usage_prompt_tokens.avg).toBe(32);
    expect(s.total_embeddings.avg).toBe(8);
    expect(s.embedding_throughput.avg).toBeCloseTo(8 / s.benchmark_duration.avg, 6);
    expect(s).not.toHaveProperty('time_to_first_token');
    expect(s).not.toHaveProperty('output_token_throughput');
  });
});
