// serve-mock's bundled chunks and running usage (docs/serve-mock.md §5.1, §5.3): --first-chunk-tokens,
// --tokens-per-chunk and stream_options.continuous_usage_stats.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockServerHandle, startMockServer } from '../../../ts/src/server/index.js';
import { postStream, tokenEvents } from './client.js';

let bundled: MockServerHandle;
let plain: MockServerHandle;
beforeAll(async () => {
  bundled = await startMockServer({ port: 0, latencyModel: 'none', firstChunkTokens: 5, tokensPerChunk: 3 });
  plain = await startMockServer({ port: 0, latencyModel: 'none' });
});
afterAll(async () => {
  await bundled.close();
  await plain.close();
});

const chat = (extra: Record<string, unknown>) => ({
  model: 'mock-model',
  messages: [{ role: 'user', content: 'Tell me a story' }],
  ...extra,
});
/** The content events' payloads. */
const contentJson = (r: Awaited<ReturnType<typeof postStream>>): Record<string, any>[] => tokenEvents(r).map((e) => JSON.parse(e.data));
const continuous = { stream_options: { include_usage: true, continuous_usage_stats: true } };

describe('bundled chunks', () => {
  it('sends the first 5 tokens in one event and then 3 per event, the last one short: 5 + 3 + 3 + 1', async () => {
    const r = await postStream(`${bundled.url}/v1/chat/completions`, chat({ max_tokens: 12, ...continuous }));
    const content = contentJson(r);
    expect(content.map((c) => c.usage.completion_tokens)).toEqual([5, 8, 11, 12]);
    // The same text as the unbundled stream of the same prompt (the mock is deterministic).
    const one = await postStream(`${plain.url}/v1/chat/completions`, chat({ max_tokens: 12 }));
    const text = (events: Record<string, any>[]) => events.map((c) => c.choices[0].delta.content).join('');
    expect(text(content)).toBe(text(contentJson(one)));
    expect(tokenEvents(one)).toHaveLength(12);
  });

  it('bundles completions text the same way', async () => {
    const r = await postStream(`${bundled.url}/v1/completions`, { model: 'mock-model', prompt: 'Tell me a story', max_tokens: 6 });
    expect(tokenEvents(r)).toHaveLength(2);
  });
});

describe('continuous_usage_stats', () => {
  it('puts the running usage on every event, the role event (0 tokens) and the finish event included', async () => {
    const r = await postStream(`${plain.url}/v1/chat/completions`, chat({ max_tokens: 4, ...continuous }));
    const prompt = r.json[0]!.usage.prompt_tokens;
    expect(prompt).toBeGreaterThan(0);
    expect(r.json.map((c) => c.usage.completion_tokens)).toEqual([0, 1, 2, 3, 4, 4, 4]);
    for (const c of r.json) expect(c.usage.total_tokens).toBe(prompt + c.usage.completion_tokens);
  });

  it('is ignored without include_usage, as vLLM does', async () => {
    const r = await postStream(
      `${plain.url}/v1/chat/completions`,
      chat({ max_tokens: 3, stream_options: { continuous_usage_stats: true } }),
    );
    expect(r.json.some((c) => 'usage' in c)).toBe(false);
  });
});
