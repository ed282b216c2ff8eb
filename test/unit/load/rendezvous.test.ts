// The rendezvous of a sharded run (docs/cli.md §3.8) in one process: shard 0's server and the other
// shards' clients on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeFailure } from '../../../ts/src/errors.js';
import { bestOffset, CLOCK_SAMPLES, RendezvousClient } from '../../../ts/src/load/rendezvous-client.js';
import { RendezvousServer, START_LEAD_NS } from '../../../ts/src/load/rendezvous-server.js';
import { wallNs } from '../../../ts/src/metrics/clock.js';

let server: RendezvousServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('clock offset', () => {
  it('keeps the sample with the shortest round trip', () => {
    expect(
      bestOffset([
        { offsetNs: 900n, rttNs: 5_000_000n },
        { offsetNs: 100n, rttNs: 200_000n },
        { offsetNs: -50n, rttNs: 300_000n },
      ]),
    ).toEqual({ offsetNs: 100n, rttNs: 200_000n });
  });

  it('measures about zero against a server on the same clock', async () => {
    server = await RendezvousServer.listen(0, 2, 5000);
    const sample = await new RendezvousClient('127.0.0.1', server.port, 1, 2, 5000).clockOffset();
    expect(Math.abs(Number(sample.offsetNs))).toBeLessThanOrEqual(Number(sample.rttNs));
    expect(CLOCK_SAMPLES).toBeGreaterThan(1);
  });
});

describe('barriers', () => {
  it('releases every shard at once with one start instant ahead of now, a late shard included', async () => {
    server = await RendezvousServer.listen(0, 3, 5000);
    const before = wallNs(process.hrtime.bigint());
    const own = server.arrive('start');
    const one = new RendezvousClient('127.0.0.1', server.port, 1, 3, 5000).barrier('start');
    await new Promise((r) => setTimeout(r, 300));
    const late = new RendezvousClient('127.0.0.1', server.port, 2, 3, 5000).barrier('start');
    const starts = await Promise.all([own, one, late]);
    expect(new Set(starts).size).toBe(1);
    expect(starts[0]! - before).toBeGreaterThanOrEqual(START_LEAD_NS + 300_000_000n - 50_000_000n);
  });

  it('fails every waiting shard, and shard 0, naming the shard that did not come', async () => {
    server = await RendezvousServer.listen(0, 3, 400);
    const own = server.arrive('ready');
    const one = new RendezvousClient('127.0.0.1', server.port, 1, 3, 400).barrier('ready');
    const message = 'shard 2 of 3 did not reach the rendezvous (ready) within 0.4 s';
    await expect(own).rejects.toThrow(message);
    await expect(one).rejects.toThrow(
      new RuntimeFailure(`shard 1 of 3: the rendezvous at 127.0.0.1:${server.port} refused it: ${message}`),
    );
  });

  it('refuses a shard started with another shard count', async () => {
    server = await RendezvousServer.listen(0, 2, 2000);
    await expect(new RendezvousClient('127.0.0.1', server.port, 1, 3, 2000).barrier('ready')).rejects.toThrow(
      'shard 0 runs 2 shards, this shard was started with --shard-count 3',
    );
  });

  it('fails a shard that cannot reach the rendezvous within its timeout', async () => {
    const probe = await RendezvousServer.listen(0, 2, 100);
    const port = probe.port;
    await probe.close();
    await expect(new RendezvousClient('127.0.0.1', port, 1, 2, 600).clockOffset()).rejects.toThrow(
      `shard 1 of 2 could not reach the rendezvous at 127.0.0.1:${port} within 0.6 s (ECONNREFUSED); nothing was sent`,
    );
  });
});
