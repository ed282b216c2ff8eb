// `infermark hash-prompts`: prompts → a Mooncake trace of chain-hashed block ids (docs/cli.md §6, docs/synthesis.md §5).
import { type Command, Option } from 'commander';
import { loadTokenizer, resolveTokenizer } from '../tokenizer/index.js';
import { inlineBatchEncoder, workerBatchEncoder } from '../tokenizer/batch-encoder.js';
import { estimatedRowsNotice } from '../synthesis/hash-prompts.js';
import { fileSource, hashPrompts, type HashPromptsResult } from '../synthesis/index.js';
import { OutputTarget } from '../io/output-target.js';
import { formatCount } from '../report/decimal-format.js';
import { UsageError } from '../errors.js';
import { HASH_PROMPTS_DEFAULTS, MAX_BLOCK_SIZE } from '../config/defaults.js';
import { integerIn, parsePath } from './option-types.js';
import type { GlobalOptions } from './program.js';
import { ProgressLine } from '../report/progress-line.js';
import { writeStreamedOutput } from './streamed-output.js';
import { inputPathArgument } from './input-argument.js';

interface HashPromptsFlags {
  inputFile?: string;
  outputFile?: string;
  blockSize: number;
  tokenizer: string;
  textField?: string;
  skipInvalid?: boolean;
  force?: boolean;
}

/** Run hash-prompts with parsed flags. */
export async function runHashPrompts(
  inputPath: string,
  f: HashPromptsFlags,
  verbose: boolean,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): Promise<void> {
  if (f.outputFile === undefined) throw new UsageError("required option '--output-file <path>' not specified");
  const source = fileSource(inputPath);
  const size = source.size ?? 0;
  const resolved = resolveTokenizer(f.tokenizer);
  if (resolved.notice !== null) stderr.write(`notice: ${resolved.notice}\n`);
  // On a worker thread: the main thread must stay free to act on Ctrl-C at once (docs/cli.md §6).
  const encoder = workerBatchEncoder(f.tokenizer) ?? inlineBatchEncoder(await loadTokenizer(f.tokenizer));
  const out = new OutputTarget(f.outputFile, { force: Boolean(f.force) });
  const bar = new ProgressLine(stderr);
  let result: HashPromptsResult;
  try {
    result = await writeStreamedOutput(out, f.outputFile, () =>
      hashPrompts(source, out, {
        tokenizer: encoder,
        blockSize: f.blockSize,
        ...(f.textField !== undefined ? { textField: f.textField } : {}),
        skipInvalid: Boolean(f.skipInvalid),
        sourceName: inputPath,
        progress: (rows, bytes) => bar.update(`hash-prompts: ${formatCount(rows)} rows, ${Math.round((100 * bytes) / Math.max(size, 1))}%`),
      }),
    );
  } finally {
    bar.clear();
    await encoder.close();
  }
  if (verbose) stderr.write(`debug: backend ${result.backend}, tokenizer ${resolved.name}, ${result.tokens} tokens\n`);
  const notice = estimatedRowsNotice(result.estimatedRows);
  if (notice !== null) stderr.write(`${notice}\n`);
  if (result.skippedWarning) stderr.write(`${result.skippedWarning}\n`);
  stderr.write(`${result.summary}\n`);
}

/** Add `hash-prompts` to the program. */
export function registerHashPrompts(program: Command): void {
  program
    .command('hash-prompts')
    .description('turn a JSONL file of prompts into a Mooncake trace whose hash ids encode prefix sharing (no text is written)')
    .argument('[INPUT_FILE]', 'JSONL prompts (or use --input-file)')
    .addOption(new Option('--input-file <path>', 'JSONL prompts (instead of INPUT_FILE)').argParser(parsePath))
    .addOption(new Option('-o, --output-file <path>', "output trace ('-' for stdout)").argParser(parsePath))
    .addOption(
      new Option('--block-size <n>', 'tokens per hash block')
        .argParser(integerIn(1, MAX_BLOCK_SIZE))
        .default(HASH_PROMPTS_DEFAULTS.blockSize),
    )
    .option(
      '--tokenizer <name>',
      'builtin, a bundled model id (Qwen/Qwen3-8B, …), a tokenizer.json or its folder, or a model id in the local Hugging Face cache',
      HASH_PROMPTS_DEFAULTS.tokenizer,
    )
    .option('--text-field <name>', 'read the prompt from this string field (default: prompt, text_input, text)')
    .option('--skip-invalid', 'skip and count invalid rows instead of stopping at the first')
    .option('--force', 'replace an existing output file')
    .action(async function (this: Command, positional: string | undefined) {
      const flags = this.opts<HashPromptsFlags>();
      const verbose = Boolean(this.optsWithGlobals<GlobalOptions>().verbose);
      const path = inputPathArgument(positional, flags.inputFile);
      await runHashPrompts(path, flags, verbose, process.stderr);
    });
}
