// `logs/infermark.log`: timestamped, level-filtered, secret-scrubbed lines.
import { LineWriter } from '../io/line-writer.js';
import type { SecretScrubber } from './redact.js';
import { isoMicros, nowWallNs } from './time-format.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export class RunLog {
  private readonly writer: LineWriter;
  constructor(
    path: string,
    private readonly level: LogLevel,
    private readonly scrubber: SecretScrubber,
  ) {
    this.writer = new LineWriter(path);
  }

  get path(): string {
    return this.writer.path;
  }

  log(level: LogLevel, message: string): void {
    if (RANK[level] < RANK[this.level]) return;
    const text = this.scrubber.scrub(message).replace(/\n/g, '\n    ');
    this.writer.writeLine(`${isoMicros(nowWallNs())} ${level.toUpperCase()} ${text}`);
  }

  flushSync(): void {
    this.writer.flushSync();
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
