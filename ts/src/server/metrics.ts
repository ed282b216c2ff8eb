// vLLM-named Prometheus metrics of docs/serve-mock.md §7, rendered in text format 0.0.4.

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const REQUEST_TIME_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
const ITERATION_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

export class Histogram {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number, times = 1): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]! += times;
    this.sum += value * times;
    this.count += times;
  }
}

export type FinishedReason = 'stop' | 'length' | 'abort';

/** The series of one engine (replica). */
export class EngineMetrics {
  running = 0;
  waiting = 0;
  kvUsage = 0;
  prefixQueries = 0;
  prefixHits = 0;
  promptTokens = 0;
  generationTokens = 0;
  success: Record<FinishedReason, number> = { stop: 0, length: 0, abort: 0 };
  readonly ttft = new Histogram(TTFT_BUCKETS);
  readonly itl = new Histogram(ITL_BUCKETS);
  readonly e2e = new Histogram(REQUEST_TIME_BUCKETS);
  readonly queue = new Histogram(REQUEST_TIME_BUCKETS);
  readonly prefill = new Histogram(REQUEST_TIME_BUCKETS);
  readonly decode = new Histogram(REQUEST_TIME_BUCKETS);
  readonly requestPromptTokens = new Histogram(TOKEN_BUCKETS);
  readonly requestGenerationTokens = new Histogram(TOKEN_BUCKETS);
  readonly iterationTokens = new Histogram(ITERATION_BUCKETS);
}

export class MetricsRegistry {
  readonly engines: EngineMetrics[];
  injectedHttp = 0;
  injectedStream = 0;
  /** `POST /reset_prefix_cache` calls answered. */
  prefixCacheResets = 0;
  /** `POST /start_profile` and `/stop_profile` calls answered, and requests that arrived while profiling. */
  profilerStarts = 0;
  profilerStops = 0;
  profiledRequests = 0;

  constructor(
    private readonly modelName: string,
    replicas: number,
  ) {
    this.engines = Array.from({ length: replicas }, () => new EngineMetrics());
  }

  render(): string {
    const model = escapeLabel(this.modelName);
    const out: string[] = [];
    const labels = (e: number, extra = ''): string => `{model_name="${model}",engine="${e}"${extra}}`;
    const scalar = (name: string, type: 'gauge' | 'counter', help: string, get: (m: EngineMetrics) => number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      this.engines.forEach((m, e) => {
        out.push(`${name}${labels(e)} ${formatValue(get(m))}`);
      });
    };
    const histogram = (name: string, help: string, get: (m: EngineMetrics) => Histogram): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      this.engines.forEach((m, e) => {
        const h = get(m);
        let cumulative = 0;
        h.bounds.forEach((b, i) => {
          cumulative += h.counts[i]!;
          out.push(`${name}_bucket${labels(e, `,le="${formatValue(b)}"`)} ${cumulative}`);
        });
        out.push(`${name}_bucket${labels(e, ',le="+Inf"')} ${h.count}`);
        out.push(`${name}_sum${labels(e)} ${formatValue(h.sum)}`, `${name}_count${labels(e)} ${h.count}`);
      });
    };
    scalar('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', (m) => m.running);
    scalar('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', (m) => m.waiting);
    scalar('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', (m) => m.kvUsage);
    scalar('vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage (legacy name). 1 means 100 percent usage.', (m) => m.kvUsage);
    scalar(
      'vllm:prefix_cache_queries_total',
      'counter',
      'Prefix cache queries, in terms of number of queried tokens.',
      (m) => m.prefixQueries,
    );
    scalar('vllm:prefix_cache_hits_total', 'counter', 'Prefix cache hits, in terms of number of cached tokens.', (m) => m.prefixHits);
    scalar('vllm:gpu_prefix_cache_hit_rate', 'gauge', 'Prefix cache hit rate since start (legacy name).', (m) =>
      m.prefixQueries === 0 ? 0 : m.prefixHits / m.prefixQueries,
    );
    scalar('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', (m) => m.promptTokens);
    scalar('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', (m) => m.generationTokens);
    out.push('# HELP vllm:request_success_total Count of successfully processed requests.', '# TYPE vllm:request_success_total counter');
    this.engines.forEach((m, e) => {
      for (const reason of ['stop', 'length', 'abort'] as const) {
        out.push(`vllm:request_success_total${labels(e, `,finished_reason="${reason}"`)} ${m.success[reason]}`);
      }
    });
    scalar(
      'vllm:num_preemptions_total',
      'counter',
      'Cumulative number of preemptions from the engine (always 0: the mock never preempts).',
      () => 0,
    );
    histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', (m) => m.ttft);
    histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', (m) => m.itl);
    histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', (m) => m.e2e);
    histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', (m) => m.queue);
    histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', (m) => m.prefill);
    histogram('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', (m) => m.decode);
    histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', (m) => m.requestPromptTokens);
    histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', (m) => m.requestGenerationTokens);
    histogram('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', (m) => m.iterationTokens);
    out.push('# HELP infermark_mock:injected_errors_total Failures injected by --error-rate (http) and --stream-error-rate (stream).');
    out.push('# TYPE infermark_mock:injected_errors_total counter');
    out.push(`infermark_mock:injected_errors_total{model_name="${model}",engine="0",kind="http"} ${this.injectedHttp}`);
    out.push(`infermark_mock:injected_errors_total{model_name="${model}",engine="0",kind="stream"} ${this.injectedStream}`);
    const control = (name: string, help: string, value: number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}{model_name="${model}",engine="0"} ${value}`);
    };
    control('infermark_mock:prefix_cache_resets_total', 'POST /reset_prefix_cache calls answered.', this.prefixCacheResets);
    control('infermark_mock:profiler_starts_total', 'POST /start_profile calls answered.', this.profilerStarts);
    control('infermark_mock:profiler_stops_total', 'POST /stop_profile calls answered.', this.profilerStops);
    control('infermark_mock:profiled_requests_total', 'Inference requests that arrived while the profiler was on.', this.profiledRequests);
    return `${out.join('\n')}\n`;
  }
}

/** A sample value as the text format writes it (`NaN`, `+Inf`, `-Inf` for the non-finite ones). */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN';
}

/** A label value with the text format's escapes (backslash, double quote, newline). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
