import { describe, expect, it } from 'vitest';
import { buildBody, buildHeaders, buildTurnBody, type EndpointSettings } from '../../../ts/src/load/request-builder.js';

const chat: EndpointSettings = {
  type: 'chat',
  path: '/v1/chat/completions',
  streaming: true,
  apiKey: null,
  headers: {},
  extra: {},
  streamUsage: true,
  useLegacyMaxTokens: false,
};
const completions: EndpointSettings = { ...chat, type: 'completions', path: '/v1/completions' };

describe('request bodies (docs/cli.md §3.1)', () => {
  it('chat: model, messages, stream, max_completion_tokens, stream_options in that order', () => {
    const body = buildBody(chat, 'm', { system: null, user: 'hi' }, 7);
    expect(JSON.stringify(body)).toBe(
      '{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"max_completion_tokens":7,"stream_options":{"include_usage":true}}',
    );
  });

  it('completions: prompt and max_tokens; the system prompt is prepended text', () => {
    expect(buildBody(completions, 'm', { system: 'S. ', user: 'hi' }, 3)).toEqual({
      model: 'm',
      prompt: 'S. hi',
      stream: true,
      max_tokens: 3,
      stream_options: { include_usage: true },
    });
  });

  it('omits max tokens when no output length is known, and stream_options when not streaming or --no-stream-usage', () => {
    expect(buildBody({ ...chat, streaming: false }, 'm', { system: null, user: 'x' }, null)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: false,
    });
    expect(buildBody({ ...chat, streamUsage: false }, 'm', { system: null, user: 'x' }, null)).not.toHaveProperty('stream_options');
  });

  it('--use-legacy-max-tokens sends max_tokens on chat', () => {
    expect(buildBody({ ...chat, useLegacyMaxTokens: true }, 'm', { system: null, user: 'x' }, 4)).toMatchObject({ max_tokens: 4 });
  });

  it('--extra-inputs merge last and win', () => {
    const body = buildBody(
      { ...chat, extra: { ignore_eos: true, max_completion_tokens: 99, stream_options: null } },
      'm',
      { system: 'sys', user: 'x' },
      4,
    );
    expect(body).toMatchObject({ ignore_eos: true, max_completion_tokens: 99, stream_options: null });
    expect(body.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'x' },
    ]);
  });

  it('later turns carry the history: chat messages, completions joined with \\n', () => {
    const history = [{ user: 'u1', assistant: 'a1' }];
    expect(buildTurnBody(chat, 'm', null, history, 'u2', null).messages).toEqual([
      { role: 'user', content: 'u1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'u2' },
    ]);
    expect(buildTurnBody(completions, 'm', null, history, 'u2', null).prompt).toBe('u1\na1\nu2');
  });

  it('headers: JSON content type, bearer key, user headers, and infermark’s own request id', () => {
    const h = buildHeaders({ ...chat, apiKey: 'k', headers: { 'X-Trace': 't', 'x-request-id': 'mine' } }, 'rid', 'cid');
    expect(h).toEqual({
      'content-type': 'application/json',
      authorization: 'Bearer k',
      'x-trace': 't',
      'x-request-id': 'rid',
      'x-correlation-id': 'cid',
    });
  });

  it('sends the session id under --session-header in place of X-Correlation-ID', () => {
    const h = buildHeaders({ ...chat, sessionHeader: 'x-session-id' }, 'rid', 'cid');
    expect(h['x-session-id']).toBe('cid');
    expect(h['x-correlation-id']).toBeUndefined();
    expect(h['x-request-id']).toBe('rid');
  });

  it("takes Authorization from -H, else --api-key, else the URL's Basic credentials (docs/cli.md §3.1)", () => {
    const basic = 'Basic dTpw';
    expect(buildHeaders(chat, 'rid', 'cid', basic).authorization).toBe(basic);
    expect(buildHeaders({ ...chat, apiKey: 'k' }, 'rid', 'cid', basic).authorization).toBe('Bearer k');
    expect(buildHeaders({ ...chat, apiKey: 'k', headers: { Authorization: 'Token t' } }, 'rid', 'cid', basic).authorization).toBe(
      'Token t',
    );
    expect(buildHeaders(chat, 'rid', 'cid').authorization).toBeUndefined();
  });
});
