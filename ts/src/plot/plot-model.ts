// What `plot` hands to its renderers (docs/cli.md §7): the runs it found and the charts it built.
// The SVG/PNG renderer, the self-contained report.html and the dashboard all read this one
// shape, so a chart is defined once and drawn the same way everywhere.

/** Colour scheme of every rendered chart and of the report (`--theme`). */
export type PlotTheme = 'light' | 'dark';

/** An output format of `plot --format`. */
export type PlotFormat = 'png' | 'svg' | 'html';

/**
 * One chart: an ECharts option that is plain JSON (no functions, no class instances), so the
 * server-side SVG renderer and the browser render the very same object.
 */
export interface ChartSpec {
  /** File stem and DOM id, e.g. `ttft_over_time` or `pareto_curve_throughput_per_gpu_vs_latency`. */
  id: string;
  /** Human title, shown above the chart in the report. */
  title: string;
  /** The run the chart belongs to (`PlotRun.name`), or null for a chart across runs. */
  run: string | null;
  /** The ECharts option, JSON-serialisable. */
  option: Record<string, unknown>;
}

/** One row of a run's summary table: a metric block of the summary JSON (docs/exports.md §4). */
export interface SummaryRow {
  /** Metric tag, e.g. `time_to_first_token`. */
  tag: string;
  unit: string;
  /** Statistic name (`avg`, `p50`, `p99`, …) → value; statistics the run did not produce are absent. */
  stats: Record<string, number>;
}

/** One entry of a run's error summary (docs/exports.md §4 `error_summary`). */
export interface ErrorRow {
  code: number | null;
  type: string;
  message: string;
  count: number;
}

/** A run directory that `plot` found, as the report shows it. */
export interface PlotRun {
  /** Display name and sub-directory of its charts: the run directory relative to the first PATH. */
  name: string;
  /** Absolute path of the run directory. */
  dir: string;
  /** Who wrote it: infermark, or AIPerf (same file schema, possibly other fields). */
  producer: 'infermark' | 'aiperf';
  /** Record count read from the records file (every record, not the displayed sample). */
  records: number;
  summary: SummaryRow[];
  /** `input_config` of the summary JSON as written (secrets are already redacted there; redact again on display). */
  config: Record<string, unknown>;
  errors: ErrorRow[];
  /**
   * What `plot` left out of this run and why (unusable record lines, an unfinished last line, a
   * time-slice or server-metrics file it could not read); shown with the run. Absent means none.
   */
  notes?: string[];
}

/** Everything a renderer needs. */
export interface PlotModel {
  theme: PlotTheme;
  /** `--gpus`: divides throughput on the per-GPU axes. */
  gpus: number;
  runs: PlotRun[];
  charts: ChartSpec[];
}
