// The request bodies, response readers and stream checks of each API of ts/src/endpoints
// (docs/cli.md §3.1.1), on the shapes the APIs document (and llama-server sends).
import { describe, expect, it } from 'vitest';
import { GENERATIVE_APIS, generativeApi, type TurnInput } from '../../../ts/src/endpoints/index.js';
import { buildHeaders, buildTurnBody } from '../../../ts/src/load/request-builder.js';
import { checkBody, checkStream, httpStatusError } from '../../../ts/src/load/response-check.js';
import type { RawResponse } from '../../../ts/src/metrics/raw-record.js';
import { inputTexts, parseResponses } from '../../../ts/src/metrics/response-parse.js';
import { endpointOf } from '../../helpers/engine-options.js';

const turn = (over: Partial<TurnInput> = {}): TurnInput => ({
  model: 'm',
  system: 'be brief',
  history: [{ user: 'q1', assistant: 'a1' }],
  user: 'q2',
  maxTokens: 7,
  streaming: true,
  ...over,
});

const events = (...list: [string | undefined, unknown][]): RawResponse[] =>
  list.map(([event, data], i) => ({
    recvNs: BigInt(i + 1),
    data: typeof data === 'string' ? data : JSON.stringify(data),
    ...(event ? { event } : {}),
  }));

const endpoint = endpointOf;

describe('responses', () => {
  const api = GENERATIVE_APIS.responses;

  it('sends the system prompt as instructions, the history as input messages and max_output_tokens', () => {
    expect(api.buildBody(turn(), null)).toEqual({
      model: 'm',
      instructions: 'be brief',
      input: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
      max_output_tokens: 7,
      stream: true,
    });
    expect(inputTexts(api.buildBody(turn(), null), 'responses')).toEqual(['be brief', 'q1', 'a1', 'q2']);
  });

  it('counts text deltas as content, takes usage from response.completed and not its repeated output', () => {
    const stream = events(
      ['response.created', { type: 'response.created', response: { status: 'in_progress' } }],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'Hel' }],
      ['response.reasoning_text.delta', { type: 'response.reasoning_text.delta', delta: 'hmm' }],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: 'lo' }],
      [
        'response.completed',
        {
          type: 'response.completed',
          response: {
            output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hello' }] }],
            usage: {
              input_tokens: 9,
              output_tokens: 3,
              total_tokens: 12,
              input_tokens_details: { cached_tokens: 4 },
              output_tokens_details: { reasoning_tokens: 1 },
            },
          },
        },
      ],
    );
    const p = parseResponses({ responses: stream, endpointType: 'responses', streaming: true });
    expect([p.outputText, p.reasoningText, p.contentNs, p.firstOutputNs]).toEqual(['Hello', 'hmm', [2n, 3n, 4n], 2n]);
    expect(p.usage).toEqual({ promptTokens: 9, completionTokens: 3, totalTokens: 12, reasoningTokens: 1, cachedTokens: 4 });
    expect(checkStream(stream, 'responses')).toBeNull();
    expect(checkStream(stream.slice(0, 4), 'responses')).toMatchObject({ type: 'IncompleteStreamError' });
  });

  it('reads a whole response object, and fails on error events and response.failed', () => {
    const body = {
      object: 'response',
      status: 'completed',
      output: [{ type: 'message', content: [{ type: 'output_text', text: 'Hi' }] }],
      usage: { input_tokens: 2, output_tokens: 1 },
    };
    const p = parseResponses({ responses: events([undefined, body]), endpointType: 'responses', streaming: false });
    expect([p.outputText, p.usage]).toEqual(['Hi', { promptTokens: 2, completionTokens: 1 }]);
    expect(checkBody(JSON.stringify(body), 'responses')).toBeNull();
    expect(checkStream(events(['error', { type: 'error', code: 'server_error', message: 'boom' }]), 'responses')).toEqual({
      code: 502,
      type: 'server_error',
      message: 'boom',
    });
    expect(
      checkStream(
        events(['response.failed', { type: 'response.failed', response: { error: { code: 'rate_limit', message: 'slow down' } } }]),
        'responses',
      ),
    ).toEqual({
      code: 502,
      type: 'rate_limit',
      message: 'slow down',
    });
  });
});

describe('messages', () => {
  const api = GENERATIVE_APIS.messages;

  it('sends system at the top level, max_tokens always (1024 when the turn has none) and stream only when streaming', () => {
    expect(api.buildBody(turn(), null)).toEqual({
      model: 'm',
      system: 'be brief',
      max_tokens: 7,
      messages: [
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ],
      stream: true,
    });
    expect(api.buildBody(turn({ system: null, history: [], maxTokens: null, streaming: false }), null)).toEqual({
      model: 'm',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'q2' }],
    });
  });

  it('sends the API key as x-api-key with anthropic-version, not as a Bearer token', () => {
    const h = buildHeaders(endpoint('messages', { apiKey: 'k' }), 'r', 'c');
    expect(h).toMatchObject({ 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
    expect(h.authorization).toBeUndefined();
  });

  it("merges message_start's prompt counts (cached ones included) with message_delta's output count", () => {
    const stream = events(
      ['message_start', { type: 'message_start', message: { usage: { input_tokens: 1, cache_read_input_tokens: 8, output_tokens: 0 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } }],
      ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } }],
      ['ping', { type: 'ping' }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 2 } }],
      ['message_stop', { type: 'message_stop' }],
    );
    const p = parseResponses({ responses: stream, endpointType: 'messages', streaming: true });
    expect([p.outputText, p.reasoningText, p.contentNs, p.firstOutputNs]).toEqual(['Hi', 'hmm', [3n, 4n], 4n]);
    expect(p.usage).toEqual({ promptTokens: 9, completionTokens: 2, cachedTokens: 8 });
    expect(checkStream(stream, 'messages')).toBeNull();
    expect(checkStream(stream.slice(0, 6), 'messages')).toMatchObject({ type: 'IncompleteStreamError' });
  });

  it('records an error event and an HTTP error body with the API error message', () => {
    const err = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(checkStream(events(['error', err]), 'messages')).toEqual({ code: 502, type: 'overloaded_error', message: 'Overloaded' });
    expect(httpStatusError(529, undefined, JSON.stringify(err))).toMatchObject({ code: 529, message: 'Overloaded' });
  });
});

describe('huggingface-generate', () => {
  const api = GENERATIVE_APIS['huggingface-generate'];

  it('sends inputs and parameters.max_new_tokens, posts to /generate_stream when streaming', () => {
    expect(api.buildBody(turn({ system: null, history: [] }), null)).toEqual({ inputs: 'q2', parameters: { max_new_tokens: 7 } });
    expect([api.defaultPath(false), api.defaultPath(true)]).toEqual(['/generate', '/generate_stream']);
    // --extra-inputs go to `parameters`, where TGI reads sampling settings.
    expect(buildTurnBody(endpoint('huggingface-generate', { extra: { temperature: 0 } }), 'm', null, [], 'q', 3)).toEqual({
      inputs: 'q',
      parameters: { max_new_tokens: 3, temperature: 0 },
    });
    // A later turn sends the earlier ones joined with newlines, as completions does.
    expect(buildTurnBody(endpoint('huggingface-generate'), 'm', null, [{ user: 'q1', assistant: 'a1' }], 'q2', null)).toEqual({
      inputs: 'q1\na1\nq2',
      parameters: {},
    });
  });

  it("counts each event's token text once, not the final generated_text, and completes on it", () => {
    const stream = events(
      [undefined, { index: 1, token: { text: 'He', special: false }, generated_text: null, details: null }],
      [undefined, { index: 2, token: { text: 'llo', special: false }, generated_text: 'Hello', details: { generated_tokens: 2 } }],
    );
    const p = parseResponses({ responses: stream, endpointType: 'huggingface-generate', streaming: true });
    expect([p.outputText, p.contentNs, p.usage]).toEqual(['Hello', [1n, 2n], { completionTokens: 2 }]);
    expect(checkStream(stream, 'huggingface-generate')).toBeNull();
    expect(checkStream(stream.slice(0, 1), 'huggingface-generate')).toMatchObject({ type: 'IncompleteStreamError' });
  });

  it('reads generated_text of a whole answer (object or list), and TGI errors with their string message', () => {
    for (const body of [{ generated_text: 'Hi' }, [{ generated_text: 'Hi' }]]) {
      expect(
        parseResponses({ responses: events([undefined, body]), endpointType: 'huggingface-generate', streaming: false }).outputText,
      ).toBe('Hi');
    }
    const err = { error: 'Input validation error: too long', error_type: 'validation' };
    expect(httpStatusError(422, undefined, JSON.stringify(err))).toMatchObject({ code: 422, message: 'Input validation error: too long' });
    expect(checkStream(events([undefined, err]), 'huggingface-generate')).toEqual({
      code: 502,
      type: 'validation',
      message: 'Input validation error: too long',
    });
  });
});

describe('the registry', () => {
  it('knows the four generative types and leaves chat and completions to their own code', () => {
    expect(Object.keys(GENERATIVE_APIS)).toEqual(['responses', 'messages', 'huggingface-generate', 'template']);
    expect([generativeApi('chat'), generativeApi('completions'), generativeApi('toString')]).toEqual([null, null, null]);
  });
});
