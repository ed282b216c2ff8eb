// AIPerf 0.13 as the benches run it (installed by bench/install-aiperf.sh): the command for a
// synthetic profile and the environment that keeps its tokenizer offline (a local Hugging Face
// cache holding our Qwen3 tokenizer as `local/qwen3`).
import { homedir } from 'node:os';
import { join } from 'node:path';

const CACHE = process.env['INFERMARK_BENCH_CACHE'] ?? join(homedir(), '.cache/infermark-bench');
/** The aiperf executable of bench/install-aiperf.sh's venv. */
export const AIPERF = join(CACHE, 'aiperf-0.13.0/bin/aiperf');
const HF_HOME = join(CACHE, 'hf-home');

/** `aiperf profile` with `common` (flags both clients share), ISL/OSL means, no UI, artifacts to `outDir`. */
export function aiperfProfileCommand(common: string[], isl: number, osl: number, outDir: string): string[] {
  return [
    AIPERF,
    'profile',
    ...common,
    '--synthetic-input-tokens-mean',
    String(isl),
    '--output-tokens-mean',
    String(osl),
    '--tokenizer',
    'local/qwen3',
    '--ui-type',
    'none',
    '--output-artifact-dir',
    outDir,
  ];
}

/** The environment for that command: offline, with the benches' Hugging Face cache. */
export function aiperfEnv(): NodeJS.ProcessEnv {
  return { ...process.env, HF_HOME, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' };
}
