// A run's `--input-file`: read and validated by the core, the configuration settled with what the
// file holds (docs/cli.md §3.4 mode selection, §3.6 rules that depend on it), the materialisation
// tables made, and the lines the user sees before the first request. Every failure here is an
// input error (exit 2) thrown before the artifact directory exists.
import {
  automaticFixedScheduleNotice,
  type DatasetFacts,
  type FileDatasetConfig,
  type ProfileConfig,
  withDatasetFacts,
} from '../config/profile-config.js';
import { coreTransformOptions } from '../config/synthesis-flags.js';
import { cachedMaterialisationTables } from '../dataset/materialisation-tables.js';
import { scheduleZeroMs, TraceFile, type TraceFileSummary, type TraceReadSpec } from '../dataset/trace-file.js';
import type { TraceSpec, TurnSource } from '../dataset/turn-source.js';
import { formatDecimal } from '../report/decimal-format.js';
import type { LogLevel } from '../report/log-file.js';
import { ProgressLine, type ProgressSink, progressBar } from '../report/progress-line.js';
import type { LazyTokenizer } from '../tokenizer/index.js';

/** A line for before the first request: printed on stderr as `printed` ('' = only logged), logged as `text` at `level`. */
export interface PreRunMessage {
  level: LogLevel;
  text: string;
  printed: string;
}

export interface RunFileDataset {
  /** The configuration with the file's facts (mode, request count). */
  config: ProfileConfig;
  summary: TraceFileSummary;
  /** The opened file, for the engine on this thread. */
  source: TurnSource;
  /** What worker threads reopen it from by reading the file again. */
  spec: TraceSpec;
  /** `spec` with the finished dataset's snapshot in shared memory: worker threads open that instead of the file. */
  sharedSpec(): TraceSpec;
  /** The fixed schedule's zero in the scaled timestamps' ms (0 outside a fixed schedule). */
  scheduleZeroMs: number;
  messages: PreRunMessage[];
}

/** The reader's spec of a configuration's file. */
export function traceReadSpec(config: ProfileConfig, file: FileDatasetConfig): TraceReadSpec {
  return {
    path: file.path,
    sourceName: file.path,
    datasetType: file.type,
    skipInvalid: file.skipInvalid,
    blockSize: file.blockSize,
    seed: config.dataset.randomSeed.toString(),
    windowStartMs: file.windowStartMs,
    windowEndMs: file.windowEndMs,
    synthesis: file.synthesis === null ? null : { ...coreTransformOptions(file.synthesis) },
    requireTimestamps: file.requireTimestamps,
    tokenizer: config.tokenizer,
    osl: config.dataset.osl,
    systemPrompt: config.dataset.systemPrompt?.text ?? null,
    endpointType: config.endpoint.type,
  };
}

function factsOf(s: TraceFileSummary): DatasetFacts {
  return {
    type: s.datasetType,
    turns: s.turns,
    firstRowHasTimestamp: s.firstRowHasTimestamp,
    firstTurnsTimestamped: s.firstTurnsTimestamped,
  };
}

const WARNING = /^warning: /;

/** The progress text while the input file is read: bar, percent, MB of the total, MB/s. */
export function readingText(path: string, bytes: number, size: number | null, pass: 'learn' | 'read', seconds: number): string {
  const mb = (n: number): string => formatDecimal(n / 1e6, 1);
  const what = pass === 'learn' ? `learning ${path} for the transform (pass 1 of 2)` : `checking ${path} before the first request`;
  const rate = `${mb(bytes / Math.max(seconds, 1e-9))} MB/s`;
  if (size === null || size === 0) return `${what}  ${mb(bytes)} MB  ${rate}`;
  const fraction = Math.min(1, bytes / size);
  return `${what}  ${progressBar(fraction)} ${formatDecimal(fraction * 100, 0)}%  ${mb(bytes)}/${mb(size)} MB  ${rate}`;
}

/** Read `config.dataset.file` and settle the configuration with it. */
export async function openRunFile(
  config: ProfileConfig,
  tokenizer: LazyTokenizer,
  stderr: ProgressSink | null = null,
): Promise<RunFileDataset> {
  const file = config.dataset.file;
  if (file === null) throw new Error('openRunFile: the configuration has no --input-file');
  // A multi-GB file takes seconds to check, all before the first request: say how far it is
  // (drawn only after half a second, so small files show nothing).
  const bar = stderr === null ? null : new ProgressLine(stderr, { mode: config.output.ui === 'none' ? 'off' : undefined });
  let started = performance.now();
  let current: 'learn' | 'read' = 'learn';
  let trace: TraceFile;
  try {
    trace = await TraceFile.read(traceReadSpec(config, file), (bytes, size, pass) => {
      // Each pass has its own rate (a transform reads the file twice).
      if (pass !== current) [current, started] = [pass, performance.now()];
      bar?.update(() => readingText(file.path, bytes, size, pass, (performance.now() - started) / 1000));
    });
  } finally {
    bar?.clear();
  }
  const summary = trace.summary;
  const settled = withDatasetFacts(config, factsOf(summary));

  const messages: PreRunMessage[] = [];
  if (summary.skippedWarning !== null) {
    messages.push({ level: 'warning', text: summary.skippedWarning.replace(WARNING, ''), printed: summary.skippedWarning });
  }
  // The line `synthesize` prints for the same transform (docs/synthesis.md §3.5).
  if (summary.synthesisReport !== null) {
    messages.push({ level: 'info', text: summary.synthesisReport.summary, printed: summary.synthesisReport.summary });
  }
  const mode = settled.load.mode;
  if (mode.kind === 'fixed-schedule' && mode.automatic) {
    const notice = automaticFixedScheduleNotice(file.path);
    messages.push({ level: 'info', text: notice, printed: `notice: ${notice}` });
  }

  // Only rows with an input_length need the tokenizer's tables (texts, messages and payloads are sent as written).
  // From the on-disk cache when it has them: the tokenizer is then not loaded here at all.
  const tables = summary.requestedIslRows > 0 ? await cachedMaterialisationTables(config.tokenizer, tokenizer.get) : null;
  const decoder = tables !== null && !tables.concatSafe ? await tokenizer.get() : tokenizer.loaded();
  const { source, spec, shared } = trace.turnSource(tables, decoder);
  if (spec.tables !== null && !spec.tables.concatSafe) {
    messages.push({
      level: 'info',
      text: `the tokenizer's decode of joined blocks differs from the blocks' decodes joined; each prompt is decoded whole (docs/synthesis.md §6.3)`,
      printed: '',
    });
  }
  return {
    config: settled,
    summary,
    source,
    spec,
    sharedSpec: shared,
    scheduleZeroMs: scheduleZeroMs(mode, summary, file.synthesis?.synthesisSpeedupRatio ?? null),
    messages,
  };
}
