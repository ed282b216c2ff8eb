import { describe, expect, it } from 'vitest';
import { checkBody, checkStream, httpStatusError } from '../../../ts/src/load/response-check.js';

const ev = (data: string, event?: string) => (event ? { recvNs: 1n, data, event } : { recvNs: 1n, data });
const chunk = (finish: string | null, index = 0) =>
  ev(JSON.stringify({ choices: [{ index, delta: { content: 'x' }, finish_reason: finish }] }));

describe('response checks (docs/metrics.md §2.3)', () => {
  it('accepts a stream ending in [DONE]', () => {
    expect(checkStream([chunk(null), ev('[DONE]')])).toBeNull();
  });

  it('accepts a stream without [DONE] when every choice got a finish_reason', () => {
    expect(checkStream([chunk(null, 0), chunk(null, 1), chunk('stop', 0), chunk('length', 1)])).toBeNull();
  });

  it('rejects a stream where one choice never finished', () => {
    expect(checkStream([chunk(null, 0), chunk(null, 1), chunk('stop', 0)])).toEqual({
      code: 502,
      type: 'IncompleteStreamError',
      message: 'stream ended without a completion signal',
    });
  });

  it('fails a stream that ends in [DONE] without any content with EmptyStreamError 502 (issue 16: counted as a success)', () => {
    const roleOnly = ev(JSON.stringify({ choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }));
    expect(checkStream([roleOnly, ev('[DONE]')])).toEqual({
      code: 502,
      type: 'EmptyStreamError',
      message: 'stream completed without any content',
    });
    expect(checkStream([ev('[DONE]')])?.type).toBe('EmptyStreamError');
  });

  it('fails a stream whose only choice finished without content with EmptyStreamError', () => {
    const finishedEmpty = ev(JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    expect(checkStream([finishedEmpty])?.type).toBe('EmptyStreamError');
  });

  it('accepts a stream whose only content is reasoning text', () => {
    const reasoning = ev(JSON.stringify({ choices: [{ index: 0, delta: { reasoning_content: 'hmm' }, finish_reason: null }] }));
    expect(checkStream([reasoning, ev('[DONE]')])).toBeNull();
  });

  it('fails on a top-level error object even after [DONE]-less content, with its integer code', () => {
    expect(checkStream([chunk(null), ev('{"error":{"message":"boom","type":"server_error","code":500}}')])).toEqual({
      code: 500,
      type: 'server_error',
      message: 'boom',
    });
  });

  it('uses 502 when the error code is not an integer', () => {
    expect(checkStream([ev('{"error":{"message":"m","code":"rate_limited"}}')])?.code).toBe(502);
  });

  it('fails on an `event: error` even with a non-JSON payload', () => {
    expect(checkStream([ev('oops', 'error'), ev('[DONE]')])).toEqual({ code: 502, type: 'ServerError', message: 'oops' });
  });

  it('does not mistake the word "error" inside generated text for an error object', () => {
    expect(
      checkStream([
        ev(JSON.stringify({ choices: [{ index: 0, delta: { content: 'an "error" here' }, finish_reason: null }] })),
        ev('[DONE]'),
      ]),
    ).toBeNull();
  });

  it('reports HTTP failures with the reason phrase and the body’s error.message, or the body', () => {
    expect(httpStatusError(503, undefined, '{"error":{"message":"Model is loading"}}')).toEqual({
      code: 503,
      type: 'Service Unavailable',
      message: 'Model is loading',
    });
    expect(httpStatusError(500, 'Internal Server Error', 'plain text')).toEqual({
      code: 500,
      type: 'Internal Server Error',
      message: 'plain text',
    });
    expect(httpStatusError(500, '', 'x'.repeat(5000)).message).toHaveLength(2048);
  });

  it('requires valid JSON for non-streaming bodies', () => {
    expect(checkBody('{"choices":[]}')).toBeNull();
    expect(checkBody('<html>')?.type).toBe('InvalidResponseError');
    expect(checkBody('{"error":{"message":"bad","code":400}}')).toEqual({ code: 400, type: 'ServerError', message: 'bad' });
  });
});
