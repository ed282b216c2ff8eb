// Simulated GPUs behind the engine model, served on /metrics under the DCGM exporter's names
// (docs/serve-mock.md §7.1): power is idle power plus a per-token energy cost spread over each
// engine step, and the energy counter is the exact integral of that power, so the energy of any
// window follows from the model's constants and the tokens the engine computed in it.
import { RandomStream } from '../random/index.js';
import { escapeLabel, formatValue } from './metrics.js';

export interface FakeGpuConfig {
  /** Number of simulated GPUs (≥ 1). */
  gpus: number;
  /** Engine replicas whose steps the GPUs run (§7.1: how they are shared). */
  replicas: number;
  /** Power of one GPU with nothing to compute, in watts. */
  idleWatts: number;
  /** Energy of each output token an engine step computes, in joules. */
  joulesPerToken: number;
  /** Energy of each prompt token a step prefills (cached tokens cost nothing), in joules. */
  joulesPerPrefillToken: number;
  /** Seeds the GPUs' UUIDs. */
  seed: bigint;
  /** The `Hostname` label. */
  hostname: string;
}

/** Power and utilisation are averages over this trailing window, like nvidia-smi's `power.draw.average` (1 s). */
export const FAKE_GPU_WINDOW_MS = 1000;
/** What the simulated GPUs call themselves, and their memory (an H100 SXM's framebuffer). */
export const FAKE_GPU_MODEL_NAME = 'NVIDIA H100 80GB HBM3';
export const FAKE_GPU_MEMORY_MIB = 81559;
/** Share of the memory the weights take, and the share the KV cache takes when full. */
const WEIGHTS_SHARE = 0.2;
const KV_SHARE = 0.7;
/** SM clock when idle and when busy the whole window (MHz). */
const IDLE_SM_CLOCK_MHZ = 345;
const BOOST_SM_CLOCK_MHZ = 1980;
/** Temperature: ambient plus a rise per watt of the window's mean power (°C). */
const AMBIENT_C = 30;
const C_PER_WATT = 0.08;
/** Memory-copy utilisation as a share of GPU utilisation (decoding is bandwidth-bound). */
const MEM_COPY_SHARE = 0.6;

/** One engine step as one GPU sees it: its share of the step's token energy, spread evenly over [start, end]. */
interface Span {
  start: number;
  end: number;
  joules: number;
}

/** What one simulated GPU reports at an instant. */
export interface FakeGpuSample {
  gpu: number;
  uuid: string;
  pciBusId: string;
  device: string;
  /** Mean power over the trailing window (W). */
  powerW: number;
  /** Cumulative energy since the server started (mJ). */
  energyMj: number;
  /** Share of the trailing window the GPU spent in engine steps (%, integer). */
  utilizationPct: number;
  memCopyUtilizationPct: number;
  memoryUsedMib: number;
  memoryFreeMib: number;
  smClockMhz: number;
  temperatureC: number;
}

class GpuLedger {
  private spans: Span[] = [];
  private head = 0;
  /** Token energy of the spans dropped from `spans` (all of them ended before any instant still asked about). */
  private settledJoules = 0;

  add(span: Span): void {
    // A span that ended two windows before this step began is wholly in the past of every later
    // question (steps start at most a timer's slack after the clock's now).
    const horizon = span.start - 2 * FAKE_GPU_WINDOW_MS;
    while (this.head < this.spans.length && this.spans[this.head]!.end < horizon) {
      this.settledJoules += this.spans[this.head]!.joules;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.spans.length) {
      this.spans = this.spans.slice(this.head);
      this.head = 0;
    }
    this.spans.push(span);
  }

  /** Token energy spent by time `t` (J): each span's energy accrues linearly over it. */
  tokenJoulesAt(t: number): number {
    let joules = this.settledJoules;
    for (let i = this.head; i < this.spans.length; i++) joules += this.spans[i]!.joules * elapsedShare(this.spans[i]!, t);
    return joules;
  }

  /** Milliseconds of (from, to] spent in steps. */
  busyMs(from: number, to: number): number {
    let busy = 0;
    for (let i = this.head; i < this.spans.length; i++) {
      const s = this.spans[i]!;
      busy += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
    }
    return busy;
  }
}

function elapsedShare(s: Span, t: number): number {
  if (t >= s.end) return 1;
  if (t <= s.start) return 0;
  return (t - s.start) / (s.end - s.start);
}

/**
 * The GPUs replica `r` runs on: with m = min(GPUs, replicas), GPU g serves replica r when
 * g ≡ r (mod m). One replica over two GPUs is tensor-parallel over both; two replicas on two GPUs
 * get one each; three replicas on one GPU share it.
 */
export function gpusOfReplica(replica: number, gpus: number, replicas: number): number[] {
  const m = Math.min(gpus, replicas);
  const out: number[] = [];
  for (let g = 0; g < gpus; g++) if (g % m === replica % m) out.push(g);
  return out;
}

export class FakeGpus {
  private readonly ledgers: GpuLedger[];
  private readonly replicaGpus: number[][];
  private readonly gpuReplicas: number[][];
  readonly uuids: string[];

  /** `startedAt`: the instant (model clock, ms) the GPUs start counting energy. */
  constructor(
    readonly cfg: FakeGpuConfig,
    private readonly startedAt: number,
  ) {
    this.ledgers = Array.from({ length: cfg.gpus }, () => new GpuLedger());
    this.replicaGpus = Array.from({ length: cfg.replicas }, (_, r) => gpusOfReplica(r, cfg.gpus, cfg.replicas));
    this.gpuReplicas = Array.from({ length: cfg.gpus }, () => []);
    this.replicaGpus.forEach((gs, r) => {
      for (const g of gs) this.gpuReplicas[g]!.push(r);
    });
    this.uuids = Array.from({ length: cfg.gpus }, (_, g) => gpuUuid(cfg.seed, g));
  }

  /**
   * An engine step of `replica` runs from `start` to `end` (ms) and computes `outputTokens` output
   * tokens and `prefillTokens` uncached prompt tokens; its energy is split evenly among the
   * replica's GPUs.
   */
  recordStep(replica: number, start: number, end: number, outputTokens: number, prefillTokens: number): void {
    const gpus = this.replicaGpus[replica];
    if (!gpus) return;
    const joules = (outputTokens * this.cfg.joulesPerToken + prefillTokens * this.cfg.joulesPerPrefillToken) / gpus.length;
    for (const g of gpus) this.ledgers[g]!.add({ start, end, joules });
  }

  /**
   * Energy of GPU `gpu` from the start to `t` (J): idle power for the whole time plus the token
   * energy spent by then. `t` is the present or the last two windows: older steps are kept only
   * as their total.
   */
  energyJoules(gpu: number, t: number): number {
    return (this.cfg.idleWatts * Math.max(0, t - this.startedAt)) / 1000 + this.ledgers[gpu]!.tokenJoulesAt(t);
  }

  /** Every GPU at instant `t`; `kvUsage(r)` is replica r's KV cache usage (0–1), which drives memory used. */
  sample(t: number, kvUsage: (replica: number) => number): FakeGpuSample[] {
    return this.ledgers.map((ledger, g) => {
      const from = Math.max(this.startedAt, t - FAKE_GPU_WINDOW_MS);
      const windowMs = t - from;
      const energyNow = this.energyJoules(g, t);
      const powerW = windowMs > 0 ? ((energyNow - this.energyJoules(g, from)) * 1000) / windowMs : this.cfg.idleWatts;
      const busyShare = windowMs > 0 ? Math.min(1, ledger.busyMs(from, t) / windowMs) : 0;
      const utilizationPct = Math.round(busyShare * 100);
      const replicas = this.gpuReplicas[g]!;
      const kv = replicas.reduce((sum, r) => sum + kvUsage(r), 0) / replicas.length;
      const memoryUsedMib = Math.round(FAKE_GPU_MEMORY_MIB * (WEIGHTS_SHARE + KV_SHARE * Math.min(1, Math.max(0, kv))));
      return {
        gpu: g,
        uuid: this.uuids[g]!,
        pciBusId: `00000000:${(0x18 + 0x10 * g).toString(16).toUpperCase().padStart(2, '0')}:00.0`,
        device: `nvidia${g}`,
        powerW,
        energyMj: energyNow * 1000,
        utilizationPct,
        memCopyUtilizationPct: Math.round(utilizationPct * MEM_COPY_SHARE),
        memoryUsedMib,
        memoryFreeMib: FAKE_GPU_MEMORY_MIB - memoryUsedMib,
        smClockMhz: Math.round(IDLE_SM_CLOCK_MHZ + (BOOST_SM_CLOCK_MHZ - IDLE_SM_CLOCK_MHZ) * busyShare),
        temperatureC: Math.round(AMBIENT_C + C_PER_WATT * powerW),
      };
    });
  }

  /** The DCGM exporter's series for every GPU at instant `t`, in Prometheus text format 0.0.4. */
  render(t: number, kvUsage: (replica: number) => number): string {
    const samples = this.sample(t, kvUsage);
    const host = escapeLabel(this.cfg.hostname);
    const model = escapeLabel(FAKE_GPU_MODEL_NAME);
    const out: string[] = [];
    const series = (name: string, type: 'gauge' | 'counter', help: string, get: (s: FakeGpuSample) => number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const s of samples) {
        out.push(
          `${name}{gpu="${s.gpu}",UUID="${s.uuid}",pci_bus_id="${s.pciBusId}",device="${s.device}",modelName="${model}",Hostname="${host}"} ${formatValue(get(s))}`,
        );
      }
    };
    series('DCGM_FI_DEV_SM_CLOCK', 'gauge', 'SM clock frequency (in MHz).', (s) => s.smClockMhz);
    series('DCGM_FI_DEV_GPU_TEMP', 'gauge', 'GPU temperature (in C).', (s) => s.temperatureC);
    series('DCGM_FI_DEV_POWER_USAGE', 'gauge', 'Power draw (in W).', (s) => s.powerW);
    series('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'counter', 'Total energy consumption since boot (in mJ).', (s) => s.energyMj);
    series('DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', (s) => s.utilizationPct);
    series('DCGM_FI_DEV_MEM_COPY_UTIL', 'gauge', 'Memory utilization (in %).', (s) => s.memCopyUtilizationPct);
    series('DCGM_FI_DEV_FB_FREE', 'gauge', 'Framebuffer memory free (in MiB).', (s) => s.memoryFreeMib);
    series('DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', (s) => s.memoryUsedMib);
    series('DCGM_FI_DEV_XID_ERRORS', 'gauge', 'Value of the last XID error encountered.', () => 0);
    return `${out.join('\n')}\n`;
  }
}

/** `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, the same for a seed and index on any machine. */
function gpuUuid(seed: bigint, gpu: number): string {
  const stream = RandomStream.of(seed, 'infermark/mock/fake-gpu-uuid', BigInt(gpu));
  const hex = stream.next().toString(16).padStart(16, '0') + stream.next().toString(16).padStart(16, '0');
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
