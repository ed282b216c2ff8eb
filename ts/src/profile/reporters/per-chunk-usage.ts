// With `--per-chunk-usage`: the warning when the server sent no usable per-chunk token counts, so
// ITL fell back to one token per chunk for those requests (docs/metrics.md §3.1).
import type { MetricRecord } from '../../metrics/record-processor.js';
import type { ProfileReporter, RunEnd } from '../reporter.js';

export class PerChunkUsageReporter implements ProfileReporter {
  #missing = 0;
  #inconsistent = 0;

  onMetricRecord(record: MetricRecord): void {
    if (record.phase !== 'profiling') return;
    if (record.perChunkCounts === 'missing') this.#missing++;
    else if (record.perChunkCounts === 'inconsistent') this.#inconsistent++;
  }

  finish(end: RunEnd): void {
    if (this.#missing > 0) {
      end.warnings.push(
        `${this.#missing} streamed response(s) carried no per-chunk token counts (the server ignored stream_options.continuous_usage_stats); ` +
          'their ITL takes the first chunk for one token (llama.cpp: add --extra-inputs timings_per_token:true)',
      );
    }
    if (this.#inconsistent > 0) {
      end.warnings.push(
        `${this.#inconsistent} streamed response(s) carried per-chunk token counts that contradict themselves; their ITL takes the first chunk for one token`,
      );
    }
  }
}
