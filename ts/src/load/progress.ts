// Progress display of cli.md §3.5 on stderr: a redrawn line on a TTY (`--ui simple`), a plain
// line every 10 s otherwise (`--ui none`). Subscribes to engine events; never writes stdout.
import type { EventEmitter } from 'node:events';
import type { EngineProgress } from './engine.js';
import type { RawRequestRecord } from '../metrics/raw-record.js';

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}

// A content chunk carries a non-empty `content`/`text`/reasoning string; a cheap pattern is enough
// for a live display (the exact TTFT comes from metrics/).
const CONTENT = /"(?:content|text|reasoning_content|reasoning)":"(?:[^"\\]|\\.)/;

/** Live TTFT (ms) of a raw record: first event that looks like content, minus request start. */
function approxTtftMs(r: RawRequestRecord): number | null {
  if (!r.streaming || r.error) return null;
  for (const ev of r.responses) if (CONTENT.test(ev.data)) return Number(ev.recvNs - r.requestStartNs) / 1e6;
  return null;
}

export interface ProgressSink {
  write(text: string): unknown;
}

export class ProgressReporter {
  private last: EngineProgress | null = null;
  private ttftSum = 0;
  private ttftN = 0;
  private recentEvents = 0;
  private timer: NodeJS.Timeout | null = null;
  private drawn = false;

  constructor(
    engine: EventEmitter,
    private readonly mode: 'simple' | 'none',
    private readonly out: ProgressSink = process.stderr,
  ) {
    engine.on('start', (e: { phase: string }) => {
      this.ttftSum = 0;
      this.ttftN = 0;
      this.recentEvents = 0;
      if (this.mode === 'none') this.out.write(`${e.phase} started\n`);
    });
    engine.on('progress', (p: EngineProgress) => {
      this.last = p;
    });
    engine.on('record', (r: RawRequestRecord) => {
      const t = approxTtftMs(r);
      if (t !== null) {
        this.ttftSum += t;
        this.ttftN += 1;
      }
      this.recentEvents += r.responses.length;
    });
    engine.on('done', () => this.stop());
    const period = mode === 'simple' ? 100 : 10_000;
    this.timer = setInterval(() => this.draw(), period);
    this.timer.unref();
  }

  line(p: EngineProgress): string {
    const elapsed = Number(p.elapsedNs) / 1e9;
    const pct = p.target ? `  ${((100 * p.completed) / p.target).toFixed(1)}%` : '';
    const total = p.target ? `/${p.target}` : '';
    const rps = elapsed > 0 ? p.completed / elapsed : 0;
    const ttft = this.ttftN > 0 ? `  TTFT avg ${(this.ttftSum / this.ttftN).toFixed(1)} ms` : '';
    const evps = elapsed > 0 && this.recentEvents > 0 ? `  ${(this.recentEvents / elapsed).toFixed(0)} chunks/s` : '';
    return `${p.phase.padEnd(9)}  ${p.completed}${total} requests${pct}  elapsed ${clock(elapsed)}  ${rps.toFixed(1)} req/s  errors ${p.errors}${ttft}${evps}`;
  }

  private draw(): void {
    const p = this.last;
    if (!p) return;
    const text = this.line(p);
    if (this.mode === 'simple') {
      this.out.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.mode === 'simple' && this.drawn) {
      this.draw();
      this.out.write('\n');
    }
  }
}
