// The progress line of `profile` on stderr (docs/cli.md §3.5): redrawn in place with `--ui simple`,
// a plain line every 10 s with `--ui none`; never on stdout.
import type { UiType } from '../../config/defaults.js';
import type { EngineProgress, Phase } from '../../load/engine.js';
import type { RawRequestRecord } from '../../metrics/raw-record.js';
import { ProgressLine, type ProgressSink } from '../../report/progress-line.js';
import type { ProfileReporter } from '../reporter.js';

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// A content chunk carries a non-empty `content`/`text`/reasoning string; a cheap pattern is enough
// for a live display (the exact TTFT comes from the metrics).
const CONTENT = /"(?:content|text|reasoning_content|reasoning)":"(?:[^"\\]|\\.)/;

/** Live TTFT (ms) of a raw record: first event that looks like content, minus request start. */
function approxTtftMs(r: RawRequestRecord): number | null {
  if (!r.streaming || r.error) return null;
  for (const ev of r.responses) if (CONTENT.test(ev.data)) return Number(ev.recvNs - r.requestStartNs) / 1e6;
  return null;
}

export class ProgressDisplay implements ProfileReporter {
  readonly #line: ProgressLine;
  readonly #lines: boolean;
  readonly #out: ProgressSink;
  #ttftSum = 0;
  #ttftN = 0;
  #events = 0;

  constructor(ui: UiType, out: ProgressSink = process.stderr) {
    this.#out = out;
    this.#lines = ui === 'none';
    this.#line = new ProgressLine(out, { mode: this.#lines ? 'lines' : 'redraw' });
  }

  onPhaseStart(phase: Phase): void {
    this.#ttftSum = 0;
    this.#ttftN = 0;
    this.#events = 0;
    this.#line.clear();
    if (this.#lines) this.#out.write(`${phase} started\n`);
  }

  onRecord(r: RawRequestRecord): void {
    const t = approxTtftMs(r);
    if (t !== null) {
      this.#ttftSum += t;
      this.#ttftN += 1;
    }
    this.#events += r.responses.length;
  }

  onProgress(p: EngineProgress): void {
    this.#line.update(() => this.text(p));
  }

  onEngineDone(): void {
    this.#line.finish();
  }

  /** The line for a progress snapshot: phase, count/target, percent, elapsed, rate, errors, live TTFT, chunks/s. */
  text(p: EngineProgress): string {
    const elapsed = Number(p.elapsedNs) / 1e9;
    const pct = p.target ? `  ${((100 * p.completed) / p.target).toFixed(1)}%` : '';
    const total = p.target ? `/${p.target}` : '';
    const rps = elapsed > 0 ? p.completed / elapsed : 0;
    const ttft = this.#ttftN > 0 ? `  TTFT avg ${(this.#ttftSum / this.#ttftN).toFixed(1)} ms` : '';
    const evps = elapsed > 0 && this.#events > 0 ? `  ${(this.#events / elapsed).toFixed(0)} chunks/s` : '';
    return `${p.phase.padEnd(9)}  ${p.completed}${total} requests${pct}  elapsed ${clock(elapsed)}  ${rps.toFixed(1)} req/s  errors ${p.errors}${ttft}${evps}`;
  }
}
