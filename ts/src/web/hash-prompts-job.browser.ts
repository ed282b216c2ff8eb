// `hash-prompts` in the browser (docs/synthesis.md §5): the CLI's pipeline (ts/src/synthesis/hash-prompts.ts)
// on the WASM backend with the bundled Qwen3 tokenizer, and the lines the CLI prints after a run.
import type { ByteSink, ByteSource } from '../io/byte-stream.js';
import { HASH_PROMPTS_DEFAULTS, MAX_BLOCK_SIZE } from '../config/defaults.js';
import { estimatedRowsNotice, hashPromptsWith, type HashPromptsResult, type PromptTokenizer } from '../synthesis/hash-prompts.js';
import type { TraceCoreBackend } from '../trace-core/backend.js';
import { FormFlagError } from './synthesize-job.browser.js';

/** The hash-prompts form as typed: fields under the CLI's long flag names (without `--`). */
export interface HashPromptsForm {
  /** `block-size`, `text-field`; blank for not given. */
  fields: Readonly<Record<string, string | undefined>>;
  skipInvalid: boolean;
  sourceName: string;
}

export interface HashPromptsJobOptions {
  blockSize: number;
  textField: string | null;
  skipInvalid: boolean;
  sourceName: string;
}

/** The form as `hash-prompts` would take it from its flags (docs/cli.md §6); throws with the CLI's message. */
export function hashPromptsJobOptions(form: HashPromptsForm): HashPromptsJobOptions {
  const raw = form.fields['block-size'];
  const text = raw?.trim() ?? '';
  let blockSize: number = HASH_PROMPTS_DEFAULTS.blockSize;
  if (text !== '') {
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BLOCK_SIZE) {
      throw new FormFlagError(`option '--block-size <n>': expected an integer in [1, ${MAX_BLOCK_SIZE}], got '${raw}'`);
    }
    blockSize = n;
  }
  const field = form.fields['text-field'];
  return {
    blockSize,
    textField: field === undefined || field === '' ? null : field,
    skipInvalid: form.skipInvalid,
    sourceName: form.sourceName,
  };
}

export interface HashPromptsJobResult {
  result: HashPromptsResult;
  /** Everything the CLI writes to stderr after the run (notice, skip warning, summary), in its order. */
  messages: string[];
}

/** Run hash-prompts over `source` with `tokenizer`, writing the trace to `sink` (the bytes `infermark hash-prompts` writes). */
export async function runHashPromptsJob(
  backend: TraceCoreBackend,
  tokenizer: PromptTokenizer,
  source: ByteSource,
  sink: ByteSink,
  job: HashPromptsJobOptions,
  progress?: (rows: number, bytes: number) => void,
): Promise<HashPromptsJobResult> {
  const result = await hashPromptsWith(backend, source, sink, {
    tokenizer,
    blockSize: job.blockSize,
    ...(job.textField !== null ? { textField: job.textField } : {}),
    skipInvalid: job.skipInvalid,
    sourceName: job.sourceName,
    ...(progress ? { progress } : {}),
  });
  const messages: string[] = [];
  const notice = estimatedRowsNotice(result.estimatedRows);
  if (notice !== null) messages.push(notice);
  if (result.skippedWarning) messages.push(result.skippedWarning);
  messages.push(result.summary);
  return { result, messages };
}
