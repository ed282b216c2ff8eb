// `logs/infermark.log` (docs/exports.md §2): timestamped, level-filtered, secret-scrubbed lines of
// everything the run and its reporters log, then the warnings and how the run ended.
import type { LogLevel } from '../../report/log-file.js';
import { RunLog } from '../../report/log-file.js';
import type { ProfileReporter, RunContext, RunEnd } from '../reporter.js';

export class RunLogReporter implements ProfileReporter {
  #log: RunLog | null = null;

  constructor(private readonly level: LogLevel = 'info') {}

  start(run: RunContext): void {
    this.#log = new RunLog(run.path('log'), this.level, run.scrubber);
    run.written.set('log', run.path('log'));
  }

  onLog(level: LogLevel, message: string): void {
    this.#log?.log(level, message);
  }

  async finish(end: RunEnd): Promise<void> {
    const log = this.#log!;
    for (const w of end.warnings) log.log('warning', w);
    const m = end.metrics;
    log.log('info', `finished: ${m.successCount} succeeded, ${m.errorCount} failed${end.interrupted ? ' (interrupted)' : ''}`);
    await log.close();
  }

  flushNow(): void {
    this.#log?.flushSync();
  }
}
