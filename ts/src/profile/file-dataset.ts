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
import type { LogLevel } from '../report/log-file.js';
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

/** Read `config.dataset.file` and settle the configuration with it. */
export async function openRunFile(config: ProfileConfig, tokenizer: LazyTokenizer): Promise<RunFileDataset> {
  const file = config.dataset.file;
  if (file === null) throw new Error('openRunFile: the configuration has no --input-file');
  const trace = await TraceFile.read(traceReadSpec(config, file));
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
