// A shard's part in the common start of a sharded run (docs/cli.md §3.8): shard 0 serves the
// rendezvous, every other shard measures its clock offset to shard 0; all meet at the `ready`
// barrier before anything is sent and at the `start` barrier after their warmups, which answers
// with one wall-clock instant on shard 0's clock for the profiling phase to begin.
import type { ShardConfig } from '../config/shard-config.js';
import { monoOfWallNs } from '../metrics/clock.js';
import { RendezvousClient } from './rendezvous-client.js';
import { RendezvousServer } from './rendezvous-server.js';

export class ShardRendezvous {
  private constructor(
    private readonly server: RendezvousServer | null,
    private readonly client: RendezvousClient | null,
    /** Shard 0's clock minus this one's (`clock_offset_ns` of every record), 0 on shard 0. */
    readonly clockOffsetNs: bigint,
    /** The round trip of the kept clock sample (null on shard 0). */
    readonly rttNs: bigint | null,
  ) {}

  /**
   * Serve or reach the rendezvous and wait until every shard is ready. Rejects with a
   * RuntimeFailure (exit 1) when the rendezvous cannot be served or reached, or a shard does not
   * come within `--shard-rendezvous-timeout`.
   */
  static async open(shard: ShardConfig, signal?: AbortSignal): Promise<ShardRendezvous> {
    const timeoutMs = shard.rendezvousTimeout * 1000;
    if (shard.rendezvous === null) {
      const server = await RendezvousServer.listen(shard.rendezvousPort, shard.count, timeoutMs);
      try {
        await untilAborted(server.arrive('ready'), signal);
      } catch (err) {
        await server.close();
        throw err;
      }
      return new ShardRendezvous(server, null, 0n, null);
    }
    const client = new RendezvousClient(shard.rendezvous.host, shard.rendezvous.port, shard.index, shard.count, timeoutMs, signal);
    const sample = await client.clockOffset();
    await client.barrier('ready');
    return new ShardRendezvous(null, client, sample.offsetNs, sample.rttNs);
  }

  /** Wait until every shard finished its warmup; resolves with the agreed start as this process's monotonic stamp. */
  async start(): Promise<bigint> {
    const startNs = this.server ? await this.server.arrive('start') : await this.client!.barrier('start');
    // The agreed instant is on shard 0's clock; this clock reads it `clockOffsetNs` earlier.
    return monoOfWallNs(startNs - this.clockOffsetNs);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }
}

/** `p`, or the abort reason once `signal` is aborted (Ctrl-C while shard 0 waits for the others). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
