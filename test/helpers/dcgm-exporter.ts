// A fake DCGM exporter on 127.0.0.1:0 for the GPU telemetry tests: GPUs drawing a constant power
// each, an energy counter that integrates it exactly (mJ since the exporter started), and modes
// that misbehave on purpose — stall (never answer), garbage (a body that is not Prometheus text)
// and gone (the listener and every connection closed, as an exporter that died).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ExporterMode = 'ok' | 'stall' | 'garbage' | 'gone';

export interface FakeGpu {
  uuid: string;
  /** Constant draw, W. */
  powerW: number;
  utilPct?: number;
}

export interface FakeExporter {
  /** `http://127.0.0.1:<port>/metrics`. */
  url: string;
  /** Scrapes received (answered or not). */
  readonly scrapes: number;
  /** Switch behaviour from the next scrape on; `gone` closes the listener and every connection at once. */
  setMode(mode: ExporterMode): void;
  /** Energy of GPU `i` between two wall-clock instants (ns), J: what its counter says. */
  energyJ(i: number, fromNs: bigint, toNs: bigint): number;
  close(): Promise<void>;
}

const HOST = 'fake-host';

function body(gpus: readonly FakeGpu[], elapsedSec: number): string {
  const lines: string[] = [];
  const series = (name: string, type: string, value: (g: FakeGpu) => number): void => {
    lines.push(`# HELP ${name} ${name}.`, `# TYPE ${name} ${type}`);
    gpus.forEach((g, i) => {
      const labels = `gpu="${i}",UUID="${g.uuid}",pci_bus_id="00000000:0${i}:00.0",device="nvidia${i}",modelName="NVIDIA Fake 80GB",Hostname="${HOST}"`;
      lines.push(`${name}{${labels}} ${value(g)}`);
    });
  };
  series('DCGM_FI_DEV_POWER_USAGE', 'gauge', (g) => g.powerW);
  series('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'counter', (g) => Math.round(g.powerW * elapsedSec * 1000));
  series('DCGM_FI_DEV_GPU_UTIL', 'gauge', (g) => g.utilPct ?? 50);
  series('DCGM_FI_DEV_FB_USED', 'gauge', () => 40_000);
  series('DCGM_FI_DEV_FB_FREE', 'gauge', () => 41_920);
  series('DCGM_FI_DEV_SM_CLOCK', 'gauge', () => 1_980);
  series('DCGM_FI_DEV_GPU_TEMP', 'gauge', () => 61);
  series('DCGM_FI_DEV_XID_ERRORS', 'gauge', () => 0);
  return `${lines.join('\n')}\n`;
}

export async function startFakeExporter(gpus: readonly FakeGpu[], mode: ExporterMode = 'ok'): Promise<FakeExporter> {
  const bornNs = process.hrtime.bigint();
  let current = mode;
  let scrapes = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    scrapes++;
    if (current === 'stall') return; // the connection stays open, unanswered
    if (current === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>\n');
      return;
    }
    const elapsedSec = Number(process.hrtime.bigint() - bornNs) / 1e9;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(body(gpus, elapsedSec));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((r) => {
      server.close(() => r());
      for (const s of sockets) s.destroy();
    });
    return closed;
  };
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    get scrapes() {
      return scrapes;
    },
    setMode(m) {
      current = m;
      if (m === 'gone') void close();
    },
    // The counter is P · t, so any interval's energy is P times its length.
    energyJ: (i, fromNs, toNs) => (gpus[i]!.powerW * Number(toNs - fromNs)) / 1e9,
    close,
  };
}
