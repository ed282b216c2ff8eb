// The load engine against serve-mock for each API of ts/src/endpoints (docs/cli.md §3.1.1), in
// process: the bodies each mock route accepts, the answers read into output text and usage, and the
// API's error answers (HTTP 500 bodies and mid-stream error events) recorded with their messages.
// The CLI runs of test/e2e/profile-endpoint-types.test.ts cover the same types end to end.
import { describe, expect, it } from 'vitest';
import { LoadEngine } from '../../ts/src/load/engine.js';
import type { RawRequestRecord } from '../../ts/src/metrics/raw-record.js';
import { parseResponses } from '../../ts/src/metrics/response-parse.js';
import { startMockServer } from '../../ts/src/server/index.js';
import { engineOptions, endpointOf } from '../helpers/engine-options.js';
import { closedAfterEachTest } from '../helpers/server-lifecycle.js';

const keep = closedAfterEachTest();
const PATHS = { responses: '/v1/responses', messages: '/v1/messages', 'huggingface-generate': '/generate' } as const;
type Type = keyof typeof PATHS;

async function run(
  type: Type,
  streaming: boolean,
  mock: { errorRate?: number; streamErrorRate?: number } = {},
): Promise<RawRequestRecord[]> {
  const server = keep(await startMockServer({ port: 0, latencyModel: 'none', log: () => undefined, ...mock }));
  const path = type === 'huggingface-generate' && streaming ? '/generate_stream' : PATHS[type];
  const engine = new LoadEngine(
    engineOptions(server.url, {
      // Types outside chat/completions: the helper's endpoint with this type's path.
      endpoint: { ...endpointOf('chat', { path, streaming }), type },
      requestCount: 3,
    }),
  );
  const records: RawRequestRecord[] = [];
  engine.on('record', (r: RawRequestRecord) => records.push(r));
  await engine.run();
  return records;
}

describe.each(Object.keys(PATHS) as Type[])('%s through the engine against serve-mock', (type) => {
  it.each([false, true])('reads the three output tokens and the usage (streaming: %s)', async (streaming) => {
    const records = await run(type, streaming);
    expect(records.map((r) => r.error)).toEqual([null, null, null]);
    for (const r of records) {
      const parsed = parseResponses(r);
      expect(parsed.outputText).not.toBe('');
      expect(parsed.usage?.completionTokens).toBe(3);
      // Streamed: one content event per token; whole: one body.
      expect(parsed.contentNs).toHaveLength(streaming ? 3 : 1);
    }
  });

  it("records a 500 answered in the API's error shape with its message", async () => {
    const records = await run(type, false, { errorRate: 100 });
    expect(records.map((r) => [r.httpStatus, r.error?.code, r.error?.message])).toEqual(Array(3).fill([500, 500, 'Injected failure']));
  });

  it("records the API's mid-stream error event with its message", async () => {
    const records = await run(type, true, { streamErrorRate: 100 });
    expect(records.map((r) => r.error?.message)).toEqual(Array(3).fill('Injected mid-stream failure'));
  });
});
