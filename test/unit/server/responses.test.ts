// OpenAI shapes, output-length rules, validation, auth and readiness (docs/serve-mock.md §2, §3, §5, §12.1, §12.7, §12.8).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type MockServerHandle, renderChatMl, startMockServer } from '../../../ts/src/server/index.js';
import { loadTokenizer } from '../../../ts/src/tokenizer/index.js';
import { post, postStream, tokenEvents } from './client.js';

let s: MockServerHandle;
beforeAll(async () => {
  s = await startMockServer({ port: 0, latencyModel: 'none' });
});
afterAll(async () => {
  await s.close();
});

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'mock-model',
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('streaming chat', () => {
  it('role-only first event, one event per token, finish event, usage event, [DONE]', async () => {
    const r = await postStream(
      `${s.url}/v1/chat/completions`,
      chat('Tell me a story', { max_completion_tokens: 7, stream_options: { include_usage: true } }),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.done).toBe(true);
    const [first, ...rest] = r.json;
    expect(first!.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    expect(tokenEvents(r)).toHaveLength(7);
    const tokens = rest.slice(0, 7);
    for (const t of tokens) {
      expect(Object.keys(t.choices[0].delta)).toEqual(['content']);
      expect(t.choices[0].delta.content.length).toBeGreaterThan(0);
    }
    expect(rest[7]!.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'length' }]);
    expect(rest[8]!.choices).toEqual([]);
    expect(rest[8]!.usage.completion_tokens).toBe(7);
    expect(rest[8]!.usage.total_tokens).toBe(rest[8]!.usage.prompt_tokens + 7);
    // `none` mode has no prefix cache: the details object is absent, not zero.
    expect(rest[8]!.usage).not.toHaveProperty('prompt_tokens_details');
    expect(rest).toHaveLength(9);
    for (const c of r.json) {
      expect(c.id).toMatch(/^chatcmpl-\d+$/);
      expect(c.id).toBe(first!.id);
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('mock-model');
      expect(Number.isInteger(c.created)).toBe(true);
    }
  });

  it('no usage event without stream_options.include_usage', async () => {
    const r = await postStream(`${s.url}/v1/chat/completions`, chat('Tell me a story', { max_tokens: 3 }));
    expect(r.json.some((c) => 'usage' in c)).toBe(false);
    expect(r.done).toBe(true);
  });
});

describe('completions', () => {
  it('streams text events with object text_completion', async () => {
    const r = await postStream(`${s.url}/v1/completions`, {
      model: 'm',
      prompt: 'Once upon a time',
      max_tokens: 5,
      stream_options: { include_usage: true },
    });
    expect(r.json[0]!.choices).toEqual([{ index: 0, text: '', finish_reason: null }]);
    expect(tokenEvents(r)).toHaveLength(5);
    expect(r.json.every((c) => c.object === 'text_completion' && /^cmpl-\d+$/.test(c.id))).toBe(true);
    expect(r.json.at(-2)!.choices[0].finish_reason).toBe('length');
    expect(r.json.at(-1)!.usage.completion_tokens).toBe(5);
  });

  it('non-streaming returns the text_completion object with usage', async () => {
    const r = await post(`${s.url}/v1/completions`, { model: 'm', prompt: 'Once upon a time', max_tokens: 5 });
    expect(r.status).toBe(200);
    expect(r.json.object).toBe('text_completion');
    expect(r.json.choices[0].finish_reason).toBe('length');
    expect(typeof r.json.choices[0].text).toBe('string');
    expect(r.json.usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });

  it('streamed tokens concatenate to the non-streamed text for the same prompt', async () => {
    const body = { prompt: 'The same prompt twice', max_tokens: 12 };
    const a = await post(`${s.url}/v1/completions`, body);
    const b = await postStream(`${s.url}/v1/completions`, body);
    expect(
      tokenEvents(b)
        .map((e) => JSON.parse(e.data).choices[0].text)
        .join(''),
    ).toBe(a.json.choices[0].text);
  });

  it('a token-id prompt counts its elements', async () => {
    const r = await post(`${s.url}/v1/completions`, { prompt: [1, 2, 3, 4, 5, 6], max_tokens: 2 });
    expect(r.json.usage.prompt_tokens).toBe(6);
  });
});

describe('prompt tokens (§3.2)', () => {
  it('chat counts the ChatML-rendered prompt with special tokens parsed', async () => {
    const tok = await loadTokenizer('builtin');
    const content = 'How many tokens does this message have?';
    const r = await post(`${s.url}/v1/chat/completions`, chat(content, { max_tokens: 1 }));
    const rendered = renderChatMl([{ role: 'user', content }]);
    expect(rendered).toBe(`<|im_start|>user\n${content}<|im_end|>\n<|im_start|>assistant\n`);
    expect(r.json.usage.prompt_tokens).toBe(tok.encode(rendered).length);
    // The Qwen3 template adds 8 tokens around one user message.
    expect(r.json.usage.prompt_tokens).toBe(tok.count(content) + 8);
  });

  it('a multi-turn conversation renders every message in order', async () => {
    const tok = await loadTokenizer('builtin');
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: [{ type: 'text', text: 'Again' }] },
    ];
    const r = await post(`${s.url}/v1/chat/completions`, { messages, max_tokens: 1 });
    const rendered = renderChatMl([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Again' },
    ]);
    expect(r.json.usage.prompt_tokens).toBe(tok.encode(rendered).length);
  });
});

describe('output length (§3.3)', () => {
  it('max_completion_tokens wins over max_tokens', async () => {
    const r = await post(`${s.url}/v1/chat/completions`, chat('x y z', { max_tokens: 3, max_completion_tokens: 9 }));
    expect(r.json.usage.completion_tokens).toBe(9);
    expect(r.json.choices[0].finish_reason).toBe('length');
  });

  it('without a max, the natural length max(16, floor(P·(0.8+0.4u))) with finish stop', async () => {
    const prompt = 'word '.repeat(200);
    const r = await post(`${s.url}/v1/completions`, { prompt });
    const p = r.json.usage.prompt_tokens;
    expect(r.json.choices[0].finish_reason).toBe('stop');
    expect(r.json.usage.completion_tokens).toBeGreaterThanOrEqual(Math.floor(0.8 * p));
    expect(r.json.usage.completion_tokens).toBeLessThan(Math.ceil(1.2 * p));
    const short = await post(`${s.url}/v1/completions`, { prompt: 'hi' });
    expect(short.json.usage.completion_tokens).toBe(16);
  });

  it('identical prompts give identical outputs; different prompts differ', async () => {
    const a = await post(`${s.url}/v1/completions`, { prompt: 'identical', max_tokens: 20 });
    const b = await post(`${s.url}/v1/completions`, { prompt: 'identical', max_tokens: 20 });
    const c = await post(`${s.url}/v1/completions`, { prompt: 'different', max_tokens: 20 });
    expect(a.json.choices[0].text).toBe(b.json.choices[0].text);
    expect(c.json.choices[0].text).not.toBe(a.json.choices[0].text);
  });
});

describe('natural stop, min_tokens and ignore_eos', () => {
  let ns: MockServerHandle;
  beforeAll(async () => {
    ns = await startMockServer({ port: 0, latencyModel: 'none', naturalStop: true });
  });
  afterAll(() => ns.close());

  it('stops early at the natural length with finish stop', async () => {
    const r = await post(`${ns.url}/v1/completions`, { prompt: 'hi', max_tokens: 100 });
    expect(r.json.usage.completion_tokens).toBe(16);
    expect(r.json.choices[0].finish_reason).toBe('stop');
  });
  it('min_tokens raises the natural length', async () => {
    const r = await post(`${ns.url}/v1/completions`, { prompt: 'hi', max_tokens: 100, min_tokens: 40 });
    expect(r.json.usage.completion_tokens).toBe(40);
    expect(r.json.choices[0].finish_reason).toBe('stop');
  });
  it('a natural length above max is cut at max with finish length', async () => {
    const r = await post(`${ns.url}/v1/completions`, { prompt: 'hi', max_tokens: 10 });
    expect(r.json.usage.completion_tokens).toBe(10);
    expect(r.json.choices[0].finish_reason).toBe('length');
  });
  it('ignore_eos always generates exactly max', async () => {
    const r = await post(`${ns.url}/v1/completions`, { prompt: 'hi', max_tokens: 100, ignore_eos: true });
    expect(r.json.usage.completion_tokens).toBe(100);
    expect(r.json.choices[0].finish_reason).toBe('length');
  });
  it('without --natural-stop, max is always generated (server s)', async () => {
    const r = await post(`${s.url}/v1/completions`, { prompt: 'hi', max_tokens: 100 });
    expect(r.json.usage.completion_tokens).toBe(100);
  });
});

describe('reasoning tokens', () => {
  it('come first as reasoning_content, count toward the total, and reasoning_effort overrides', async () => {
    const rs = await startMockServer({ port: 0, latencyModel: 'none', reasoningTokens: 5 });
    try {
      const r = await postStream(
        `${rs.url}/v1/chat/completions`,
        chat('think', { max_tokens: 8, stream_options: { include_usage: true } }),
      );
      const deltas = tokenEvents(r).map((e) => JSON.parse(e.data).choices[0].delta);
      expect(deltas.slice(0, 5).every((d) => typeof d.reasoning_content === 'string' && d.content === undefined)).toBe(true);
      expect(deltas.slice(5).every((d) => typeof d.content === 'string' && d.reasoning_content === undefined)).toBe(true);
      expect(r.json.at(-1)!.usage.completion_tokens).toBe(8);
      expect(r.json.at(-1)!.usage.completion_tokens_details).toEqual({ reasoning_tokens: 5 });
      const hi = await post(`${rs.url}/v1/chat/completions`, chat('think', { max_tokens: 1000, reasoning_effort: 'low' }));
      expect(hi.json.usage.completion_tokens_details).toEqual({ reasoning_tokens: 100 });
      expect(typeof hi.json.choices[0].message.reasoning_content).toBe('string');
    } finally {
      await rs.close();
    }
  });
});

describe('validation (400)', () => {
  const bad = async (path: string, body: unknown) => {
    const r = await post(`${s.url}${path}`, body);
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.code).toBe(400);
    return r.json.error.message as string;
  };
  it('rejects malformed bodies and fields', async () => {
    expect(await bad('/v1/chat/completions', '{not json')).toMatch(/not valid JSON/);
    await bad('/v1/chat/completions', { messages: [] });
    await bad('/v1/chat/completions', { messages: 'hi' });
    await bad('/v1/completions', { prompt: 42 });
    await bad('/v1/completions', { prompt: 'x', max_tokens: 0 });
    await bad('/v1/completions', { prompt: 'x', max_tokens: 1.5 });
    await bad('/v1/chat/completions', chat('x', { max_completion_tokens: -3 }));
    await bad('/v1/completions', { prompt: 'x', max_tokens: 5, min_tokens: 6 });
    await bad('/v1/completions', { prompt: 'x', min_tokens: -1 });
  });
  it('--max-model-len: prompt + max tokens beyond it has the vLLM message', async () => {
    const small = await startMockServer({ port: 0, latencyModel: 'none', maxModelLen: 100 });
    try {
      const r = await post(`${small.url}/v1/completions`, { prompt: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], max_tokens: 91 });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe(
        "This model's maximum context length is 100 tokens. However, you requested 101 tokens (10 in the messages, 91 in the completion).",
      );
      const ok = await post(`${small.url}/v1/completions`, { prompt: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], max_tokens: 90 });
      expect(ok.status).toBe(200);
      // Without a max the natural length is capped at max_model_len − P.
      const capped = await post(`${small.url}/v1/completions`, { prompt: Array.from({ length: 95 }, (_, i) => i) });
      expect(capped.json.usage.completion_tokens).toBe(5);
    } finally {
      await small.close();
    }
  });
});

describe('routing, auth and readiness', () => {
  it('/v1/models lists served models; unknown paths are 404 with an OpenAI error body', async () => {
    const m = await startMockServer({ port: 0, latencyModel: 'none', model: ['a', 'b'] });
    try {
      const r = await fetch(`${m.url}/v1/models`).then((x) => x.json());
      expect(r.object).toBe('list');
      expect(r.data.map((d: any) => d.id)).toEqual(['a', 'b']);
      expect(r.data[0]).toMatchObject({ object: 'model', owned_by: 'infermark' });
      const nf = await fetch(`${m.url}/v2/nothing`);
      expect(nf.status).toBe(404);
      expect((await nf.json()).error.code).toBe(404);
      const h = await fetch(`${m.url}/health`).then((x) => x.json());
      expect(h).toMatchObject({ status: 'ok', latency_model: 'none', seed: 0 });
    } finally {
      await m.close();
    }
  });

  it('--strict-model rejects unknown models with 404; by default any name is accepted', async () => {
    const m = await startMockServer({ port: 0, latencyModel: 'none', model: ['a'], strictModel: true });
    try {
      expect((await post(`${m.url}/v1/completions`, { model: 'zzz', prompt: 'x', max_tokens: 1 })).status).toBe(404);
      expect((await post(`${m.url}/v1/completions`, { model: 'a', prompt: 'x', max_tokens: 1 })).status).toBe(200);
    } finally {
      await m.close();
    }
    expect((await post(`${s.url}/v1/completions`, { model: 'zzz', prompt: 'x', max_tokens: 1 })).json.model).toBe('zzz');
  });

  it('--api-key: 401 on /v1/* without the right bearer token, /health stays open', async () => {
    const m = await startMockServer({ port: 0, latencyModel: 'none', apiKey: 'sekret' });
    try {
      const none = await post(`${m.url}/v1/completions`, { prompt: 'x', max_tokens: 1 });
      expect(none.status).toBe(401);
      expect(none.json).toEqual({ error: { message: 'Invalid API key', type: 'invalid_request_error', code: 401 } });
      expect((await post(`${m.url}/v1/completions`, { prompt: 'x', max_tokens: 1 }, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await fetch(`${m.url}/v1/models`)).status).toBe(401);
      expect((await post(`${m.url}/v1/completions`, { prompt: 'x', max_tokens: 1 }, { authorization: 'Bearer sekret' })).status).toBe(200);
      expect((await fetch(`${m.url}/health`)).status).toBe(200);
    } finally {
      await m.close();
    }
  });

  it('readiness delays: 503 and an empty model list until they pass', async () => {
    const beforeStart = performance.now();
    const m = await startMockServer({ port: 0, latencyModel: 'none', modelsReadyDelaySeconds: 0.6, inferenceReadyDelaySeconds: 0.6 });
    try {
      const early = await post(`${m.url}/v1/completions`, { prompt: 'x', max_tokens: 1 });
      expect(early.status).toBe(503);
      expect(early.json).toEqual({ error: { message: 'Model is loading', type: 'service_unavailable', code: 503 } });
      expect((await fetch(`${m.url}/v1/models`).then((r) => r.json())).data).toEqual([]);
      const health = await fetch(`${m.url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: 'starting' });
      // Wait for readiness itself; it must not come before the delay.
      await vi.waitFor(async () => expect((await fetch(`${m.url}/health`)).status).toBe(200), { timeout: 10_000, interval: 25 });
      expect(performance.now() - beforeStart).toBeGreaterThanOrEqual(600);
      expect((await post(`${m.url}/v1/completions`, { prompt: 'x', max_tokens: 1 })).status).toBe(200);
      expect((await fetch(`${m.url}/v1/models`).then((r) => r.json())).data).toHaveLength(1);
      expect((await fetch(`${m.url}/health`)).status).toBe(200);
    } finally {
      await m.close();
    }
  });
});

describe('--no-tokenizer', () => {
  it('counts ≈4 characters per token and emits whitespace-separated words', async () => {
    const m = await startMockServer({ port: 0, latencyModel: 'none', tokenizer: false });
    try {
      const r = await post(`${m.url}/v1/completions`, { prompt: 'abcdefghij', max_tokens: 6 });
      expect(r.json.usage.prompt_tokens).toBe(3);
      const words = (r.json.choices[0].text as string).split(' ');
      expect(words).toHaveLength(7);
      expect(words[6]).toBe('');
      expect(words.slice(0, 6).every((w) => /^\S+$/.test(w))).toBe(true);
    } finally {
      await m.close();
    }
  });
});

describe('determinism (§9)', () => {
  it('two servers with the same seed give the same outputs; another seed gives others', async () => {
    const a = await startMockServer({ port: 0, latencyModel: 'none', randomSeed: 7n });
    const b = await startMockServer({ port: 0, latencyModel: 'none', randomSeed: 7n });
    const c = await startMockServer({ port: 0, latencyModel: 'none', randomSeed: 8n });
    try {
      const prompts = ['alpha', 'beta gamma', 'delta '.repeat(50)];
      for (const prompt of prompts) {
        const [ra, rb, rc] = await Promise.all([a, b, c].map((srv) => post(`${srv.url}/v1/completions`, { prompt })));
        expect(rb!.json.choices[0].text).toBe(ra!.json.choices[0].text);
        expect(rb!.json.usage).toEqual(ra!.json.usage);
        expect(rc!.json.choices[0].text).not.toBe(ra!.json.choices[0].text);
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

describe('long prompts on tokenizer threads (§3.5)', () => {
  const corpus = (chars: number, from = 0): string => {
    let out = '';
    for (let i = from; out.length < chars; i++) out += `Verse ${i}: and it came to pass that the tokenizer counted every word. `;
    return out.slice(0, chars);
  };
  // Bodies above 1 KiB go to a thread; below it the serving thread answers (docs/serve-mock.md §10).
  const bodies: Array<[path: string, body: string | Blob]> = [
    ['/v1/completions', JSON.stringify({ prompt: corpus(6000) })],
    [
      '/v1/chat/completions',
      JSON.stringify({
        messages: [
          { role: 'system', content: corpus(3000, 7) },
          { role: 'user', content: corpus(2000, 3) },
        ],
        max_tokens: 9,
        stream: true,
        stream_options: { include_usage: true },
      }),
    ],
    ['/v1/completions', JSON.stringify({ prompt: `<|im_start|>user\n${corpus(4000, 11)}<|im_end|>`, max_tokens: 5, stream: true })],
    ['/v1/completions', JSON.stringify({ prompt: Array.from({ length: 3000 }, (_, i) => (i * 7) % 151_000), max_tokens: 4 })],
    ['/v1/completions', JSON.stringify({ prompt: [corpus(1500, 1), corpus(1500, 2)], max_tokens: 3 })],
    ['/v1/completions', JSON.stringify({ prompt: 'short', max_tokens: 6 })],
    // Invalid after tokenisation (context length) and before it (a field), and not UTF-8.
    ['/v1/completions', JSON.stringify({ prompt: corpus(40_000, 5), max_tokens: 10 })],
    ['/v1/completions', JSON.stringify({ prompt: corpus(4000, 9), max_tokens: 0 })],
    ['/v1/completions', new Blob([`{"prompt":"${corpus(3000, 4)} `, new Uint8Array([0xc3, 0x28, 0xff, 0xe2, 0x82]), '","max_tokens":3}'])],
  ];

  async function answers(tokenizerThreads: number): Promise<{ texts: string[]; log: string[] }> {
    const log: string[] = [];
    const m = await startMockServer({
      port: 0,
      latencyModel: 'none',
      maxModelLen: 8192,
      tokenizerThreads,
      logLevel: 'debug',
      log: (_, line) => log.push(line),
    });
    try {
      const texts: string[] = [];
      for (const [path, body] of bodies) {
        const r = await fetch(`${m.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        // `created` is the wall clock's second: the one field allowed to differ.
        texts.push(`${r.status} ${(await r.text()).replace(/"created":\d+/g, '"created":0')}`);
      }
      return { texts, log };
    } finally {
      await m.close();
    }
  }

  it('a long body tokenised on a thread gets byte for byte the answer the serving thread gives (outputs, lengths, errors)', async () => {
    const inline = await answers(0);
    const threaded = await answers(1);
    expect(threaded.texts).toEqual(inline.texts);
    // Both paths were taken: the long valid bodies on the thread, the short one inline.
    expect(threaded.log.filter((l) => l.includes('(tokenizer thread)'))).toHaveLength(6);
    expect(inline.log.filter((l) => l.includes('(tokenizer thread)'))).toHaveLength(0);
    expect(threaded.log.some((l) => l.startsWith('warning'))).toBe(false);
    expect(inline.texts.map((t) => t.slice(0, 3))).toEqual(['200', '200', '200', '200', '200', '200', '400', '400', '200']);
    expect(inline.texts[6]).toContain("This model's maximum context length is 8192 tokens.");
  });

  it('the prefix cache hashes the ids a thread returns: a repeated long prompt hits', async () => {
    const m = await startMockServer({ port: 0, stepBaseMs: 1, tokenizerThreads: 1 });
    try {
      const body = { prompt: corpus(8000, 21), max_tokens: 2 };
      const first = await post(`${m.url}/v1/completions`, body);
      const again = await post(`${m.url}/v1/completions`, body);
      const p = first.json.usage.prompt_tokens as number;
      expect(first.json.usage.prompt_tokens_details.cached_tokens).toBe(0);
      expect(again.json.usage.prompt_tokens_details.cached_tokens).toBe(Math.floor((p - 1) / 16) * 16);
    } finally {
      await m.close();
    }
  });
});
