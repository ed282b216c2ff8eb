// What the charts need beyond the core's report: how many rows arrived when, and how their
// input and output lengths are spread. The core reports quantiles only, so the worker reads the
// three flat numeric fields of each row (docs/trace-format.md) from the same chunks it feeds the
// core; rows without a numeric value for a field are left out of that field's chart.

/** Counts per bin: bin i covers [start + i·width, start + (i+1)·width). */
export interface Histogram {
  start: number;
  width: number;
  counts: number[];
}

export interface TraceShape {
  /** Arrivals per time bin, in milliseconds of the rows' `timestamp`. */
  arrivals: Histogram | null;
  inputLength: Histogram | null;
  outputLength: Histogram | null;
}

const MAX_BINS = 60;

/** The number after `"key":` in a flat JSON object line, or NaN. */
function numberField(line: string, key: string): number {
  const at = line.indexOf(key);
  if (at < 0) return Number.NaN;
  let i = at + key.length;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  if (line[i] !== ':') return Number.NaN;
  i++;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  const c = line.charCodeAt(i);
  if (!((c >= 48 && c <= 57) || c === 45)) return Number.NaN;
  return Number.parseFloat(line.slice(i, i + 40));
}

/** Exact counts per distinct value (lengths and whole seconds repeat a lot), binned at the end. */
class ValueCounts {
  private readonly counts = new Map<number, number>();

  add(value: number): void {
    if (Number.isFinite(value)) this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }

  histogram(minWidth: number): Histogram | null {
    if (this.counts.size === 0) return null;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of this.counts.keys()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const width = Math.max(minWidth, Math.ceil((max - min + 1) / MAX_BINS / minWidth) * minWidth);
    const start = Math.floor(min / minWidth) * minWidth;
    const counts = new Array<number>(Math.floor((max - start) / width) + 1).fill(0);
    for (const [v, n] of this.counts) counts[Math.floor((v - start) / width)]! += n;
    return { start, width, counts };
  }
}

export class TraceShapeReader {
  private readonly decoder = new TextDecoder();
  private tail = '';
  private readonly arrivalSeconds = new ValueCounts();
  private readonly isl = new ValueCounts();
  private readonly osl = new ValueCounts();

  push(chunk: Uint8Array): void {
    const text = this.tail + this.decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    for (const line of lines) this.row(line);
  }

  finish(): TraceShape {
    this.row(this.tail + this.decoder.decode());
    this.tail = '';
    const arrivals = this.arrivalSeconds.histogram(1);
    return {
      arrivals: arrivals && { start: arrivals.start * 1000, width: arrivals.width * 1000, counts: arrivals.counts },
      inputLength: this.isl.histogram(1),
      outputLength: this.osl.histogram(1),
    };
  }

  private row(line: string): void {
    if (line.trim() === '') return;
    this.arrivalSeconds.add(Math.floor(numberField(line, '"timestamp"') / 1000));
    this.isl.add(numberField(line, '"input_length"'));
    this.osl.add(numberField(line, '"output_length"'));
  }
}
