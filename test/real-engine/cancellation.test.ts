// --request-cancellation-rate against llama.cpp's llama-server: a cancelled stream frees its slot,
// so the server takes the next requests at once instead of generating for nobody.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactRoot, metric, profileCli, type RealServer, serverStat, startRealServer } from '../helpers/real-server.js';

const SLOTS = 8;
let server: RealServer;
const artifacts = artifactRoot();
beforeAll(async () => {
  server = await startRealServer({ parallel: SLOTS });
});
afterAll(async () => {
  await server?.stop();
  artifacts.remove();
});

// Streams only. A non-streamed request's closed connection is noticed by upstream llama-server
// only after a full second with no result on its response queue (tools/server/server-queue.cpp,
// `recv_with_timeout`); any other traffic, /metrics scrapes included, postpones that, so its
// slot stays busy until the generation ends. No client can change that.
describe('cancelled streams', () => {
  it('free their slots: the server is idle at once and the next requests run at full concurrency', async () => {
    const common = [
      '--endpoint-type',
      'chat',
      '--streaming',
      '--concurrency',
      String(SLOTS),
      '--request-count',
      String(SLOTS),
      '--isl',
      '64',
    ];
    // Every slot busy with 2,000 tokens to go (~50 s at 8 slots), each stream cancelled 0.5 s in.
    const cancelled = await profileCli(server, `${artifacts.dir}/cancelled`, [
      ...common,
      '--osl',
      '2000',
      '--extra-inputs',
      'ignore_eos:true',
      '--request-cancellation-rate',
      '100',
      '--request-cancellation-delay',
      '0.5',
    ]);
    expect(cancelled.records.map((r) => [r.metadata.was_cancelled, r.error?.code, r.error?.type])).toEqual(
      Array(SLOTS).fill([true, 499, 'RequestCancellationError']),
    );

    // The server stops generating for a stream at its next write to the closed connection.
    const deadline = Date.now() + 3000;
    let processing = (await server.metrics()).get('llamacpp:requests_processing');
    while (processing !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      processing = (await server.metrics()).get('llamacpp:requests_processing');
    }
    expect(processing, 'llamacpp:requests_processing 3 s after the cancellations').toBe(0);

    // Had the slots stayed busy, these would wait in the server's queue for tens of seconds.
    const next = await profileCli(server, `${artifacts.dir}/next`, [...common, '--osl', '4', '--extra-inputs', 'ignore_eos:true']);
    expect(next.records.filter((r) => r.error).map((r) => r.error!.message)).toEqual([]);
    expect(serverStat(next.serverMetrics, 'llamacpp:requests_deferred', 'max')).toBe(0);
    for (const r of next.records) expect(metric(r, 'time_to_first_token')).toBeLessThan(5000);
  });
});
