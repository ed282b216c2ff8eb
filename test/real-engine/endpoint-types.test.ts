// Against llama.cpp's llama-server, which serves the OpenAI Responses API (/v1/responses) and the
// Anthropic Messages API (/v1/messages) next to chat, and its own /completion: every request of
// `--endpoint-type responses`, `messages` and a `template` for /completion succeeds, with the
// lengths asked for by the server's own count (docs/cli.md §3.1.1). llama.cpp has no TGI route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, CHAT_TEMPLATE_TOKENS, metric, profileCli, type RealServer, startRealServer } from '../helpers/real-server.js';

const ISL = 64;
const OSL = 4;
const RUN = ['--request-count', '4', '--concurrency', '2', '--isl', String(ISL), '--osl', String(OSL), '--use-server-token-count'];

let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer({ parallel: 2 });
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

describe('the endpoint types llama-server answers', () => {
  it.each([
    ['responses', true],
    ['messages', false],
  ] as const)('%s (streaming %s): every request succeeds with the asked lengths by the API usage', async (type, streaming) => {
    const run = await profileCli(server, `${artifacts.dir}/${type}`, [
      ...RUN,
      '--endpoint-type',
      type,
      ...(streaming ? ['--streaming'] : []),
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
    for (const r of run.records) {
      // Both APIs go through the chat template, which adds its tokens to the prompt.
      expect(metric(r, 'input_sequence_length')).toBe(ISL + CHAT_TEMPLATE_TOKENS);
      expect(metric(r, 'output_sequence_length')).toBe(OSL);
      expect(metric(r, 'time_to_first_token') !== undefined).toBe(streaming);
    }
  });

  it('a template for llama.cpp /completion, streamed, reading each event at response_field content', async () => {
    const run = await profileCli(server, `${artifacts.dir}/template`, [
      '--request-count',
      '4',
      '--isl',
      String(ISL),
      '--osl',
      String(OSL),
      '--endpoint-type',
      'template',
      '--endpoint',
      '/completion',
      '--extra-inputs',
      'payload_template:{"prompt": "{{ text }}", "n_predict": {{ max_tokens }}, "stream": {{ stream }}}',
      '--extra-inputs',
      'response_field:content',
      '--streaming',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.records.map((r) => r.error)).toEqual([null, null, null, null]);
    for (const r of run.records) {
      expect(metric(r, 'input_sequence_length')).toBe(ISL);
      expect(metric(r, 'time_to_first_token')).toBeDefined();
    }
  });
});
