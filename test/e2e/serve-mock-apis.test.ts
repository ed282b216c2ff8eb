// serve-mock's answers to the APIs of ts/src/endpoints (docs/serve-mock.md §2, §5.5): each refuses
// a body as that API does, in that API's error shape, and the Messages API takes its key as x-api-key.
import { describe, expect, it } from 'vitest';
import { startMockServer } from '../../ts/src/server/index.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const keep = closedAfterEachTest();
const mock = async (apiKey?: string) => keep(await startMockServer({ port: 0, latencyModel: 'none', log: () => undefined, apiKey }));

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('serve-mock API error shapes', () => {
  it("answers each API's invalid body in that API's shape", async () => {
    const server = await mock();
    expect(await post(`${server.url}/v1/messages`, { model: 'mock-model', messages: [{ role: 'user', content: 'hi' }] })).toEqual({
      status: 400,
      body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } },
    });
    expect(await post(`${server.url}/generate`, { parameters: {} })).toEqual({
      status: 422,
      body: { error: 'Failed to deserialize the JSON body: missing field `inputs`', error_type: 'validation' },
    });
    expect(await post(`${server.url}/v1/responses`, { model: 'mock-model', input: [] })).toEqual({
      status: 400,
      body: {
        error: {
          message: "'input' must be a string or a non-empty array of input items",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      },
    });
  });

  it('checks the Messages API key in x-api-key (or a Bearer token) and refuses a wrong one in its own shape', async () => {
    const server = await mock('sk-1');
    const body = { model: 'mock-model', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] };
    expect((await post(`${server.url}/v1/messages`, body, { 'x-api-key': 'sk-1' })).status).toBe(200);
    expect((await post(`${server.url}/v1/messages`, body, { authorization: 'Bearer sk-1' })).status).toBe(200);
    expect(await post(`${server.url}/v1/messages`, body, { 'x-api-key': 'sk-2' })).toEqual({
      status: 401,
      body: { type: 'error', error: { type: 'authentication_error', message: 'Invalid API key' } },
    });
  });
});
