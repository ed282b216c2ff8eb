// The one progress line of every long-running command, on stderr: redrawn in place on a terminal,
// a plain line at a slow interval otherwise, or nothing. Short runs never flicker: nothing is
// drawn before `delayMs` has passed, so no command needs a size threshold of its own.

export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** `redraw`: one line rewritten in place (a TTY); `lines`: a new line per update; `off`: silent. */
export type ProgressMode = 'redraw' | 'lines' | 'off';

export interface ProgressLineOptions {
  /** Default: `redraw` when the sink is a TTY, else `off`. */
  mode?: ProgressMode;
  /** Least time between two drawn updates (default 100 ms redrawn, 10 s as lines). */
  intervalMs?: number;
  /** Nothing is drawn until this long after creation (default 500 ms redrawn, one interval as lines). */
  delayMs?: number;
  /** Milliseconds clock (tests inject one). */
  now?: () => number;
}

const ERASE_LINE = '\r\x1b[K';

export class ProgressLine {
  readonly mode: ProgressMode;
  readonly #sink: ProgressSink;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #firstAt: number;
  #lastAt = -Infinity;
  #shown = false;
  #latest: string | (() => string) | null = null;

  constructor(sink: ProgressSink, options: ProgressLineOptions = {}) {
    this.#sink = sink;
    this.mode = options.mode ?? (sink.isTTY ? 'redraw' : 'off');
    this.#intervalMs = options.intervalMs ?? (this.mode === 'lines' ? 10_000 : 100);
    this.#now = options.now ?? (() => performance.now());
    this.#firstAt = this.#now() + (options.delayMs ?? (this.mode === 'redraw' ? 500 : this.#intervalMs));
  }

  /**
   * Offer the current text (or a function producing it, called only when drawn). Drawn when
   * the delay and the interval since the last draw have passed, or at once with `force`.
   */
  update(text: string | (() => string), force = false): void {
    if (this.mode === 'off') return;
    this.#latest = text;
    const now = this.#now();
    if (!force && (now < this.#firstAt || now - this.#lastAt < this.#intervalMs)) return;
    this.#lastAt = now;
    this.#draw(typeof text === 'function' ? text() : text);
  }

  /** Erase a redrawn line (the command's own output follows on a clean line). */
  clear(): void {
    if (this.mode === 'redraw' && this.#shown) this.#sink.write(ERASE_LINE);
    this.#shown = false;
  }

  /** Draw the latest text once more if anything was shown, and end the line so it stays visible. */
  finish(): void {
    if (this.mode !== 'redraw' || !this.#shown || this.#latest === null) return;
    const latest = this.#latest;
    this.#draw(typeof latest === 'function' ? latest() : latest);
    this.#sink.write('\n');
    this.#shown = false;
  }

  #draw(text: string): void {
    if (this.mode === 'redraw') {
      this.#sink.write(`${ERASE_LINE}${text}`);
      this.#shown = true;
    } else {
      this.#sink.write(`${text}\n`);
    }
  }
}

/** `[######..................]` for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
