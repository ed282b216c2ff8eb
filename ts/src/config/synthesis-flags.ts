// The `--synthesis-*` flags of docs/synthesis.md §3.1 as `profile` and `synthesize` take them: one
// row per transform flag with its option field, its name for the core and its `input_config` key,
// so the option tables (ts/src/cli/synthesis-options.ts), the core options and the exports are
// written from one list.

/** The transform flags (commander's attribute names). Multipliers stay decimal text: the core parses them exactly (docs/synthesis.md §1). */
export interface TransformFlags {
  synthesisSpeedupRatio?: string;
  synthesisPrefixLenMultiplier?: string;
  synthesisPrefixRootMultiplier?: number;
  synthesisPromptLenMultiplier?: string;
  synthesisOutputLenMultiplier?: string;
  synthesisMaxIsl?: number;
  synthesisMaxOsl?: number;
}

/** The generate-mode bounds (docs/synthesis.md §4.1); `synthesize --mode generate` only. */
export interface GenerateFlags {
  synthesisMinIsl?: number;
  synthesisMinOsl?: number;
}

/** The transform options as the core's constructors take them (BackendSynthesisOptions names). */
export interface CoreTransformOptions {
  speedupRatio?: string;
  prefixLenMultiplier?: string;
  prefixRootMultiplier?: string;
  promptLenMultiplier?: string;
  outputLenMultiplier?: string;
  maxIsl?: number;
  maxOsl?: number;
}

export interface TransformFlagRow {
  key: keyof TransformFlags;
  /** The long flag as users type it. */
  flag: string;
  core: keyof CoreTransformOptions;
  /** Key in `input_config.input.synthesis` (docs/exports.md §4.1), AIPerf's field names. */
  json: string;
}

/** In docs/synthesis.md §3.1's order. */
export const TRANSFORM_FLAGS: readonly TransformFlagRow[] = [
  { key: 'synthesisSpeedupRatio', flag: '--synthesis-speedup-ratio', core: 'speedupRatio', json: 'speedup_ratio' },
  {
    key: 'synthesisPrefixLenMultiplier',
    flag: '--synthesis-prefix-len-multiplier',
    core: 'prefixLenMultiplier',
    json: 'prefix_len_multiplier',
  },
  {
    key: 'synthesisPrefixRootMultiplier',
    flag: '--synthesis-prefix-root-multiplier',
    core: 'prefixRootMultiplier',
    json: 'prefix_root_multiplier',
  },
  {
    key: 'synthesisPromptLenMultiplier',
    flag: '--synthesis-prompt-len-multiplier',
    core: 'promptLenMultiplier',
    json: 'prompt_len_multiplier',
  },
  {
    key: 'synthesisOutputLenMultiplier',
    flag: '--synthesis-output-len-multiplier',
    core: 'outputLenMultiplier',
    json: 'output_len_multiplier',
  },
  { key: 'synthesisMaxIsl', flag: '--synthesis-max-isl', core: 'maxIsl', json: 'max_isl' },
  { key: 'synthesisMaxOsl', flag: '--synthesis-max-osl', core: 'maxOsl', json: 'max_osl' },
];

/** The row of one flag field. */
export function transformFlagRow(key: keyof TransformFlags): TransformFlagRow {
  return TRANSFORM_FLAGS.find((r) => r.key === key)!;
}

/** Only the transform flags that were given, or null when none was. */
export function givenTransformFlags(o: TransformFlags): TransformFlags | null {
  const out: Record<string, unknown> = {};
  for (const r of TRANSFORM_FLAGS) if (o[r.key] !== undefined) out[r.key] = o[r.key];
  return Object.keys(out).length === 0 ? null : (out as TransformFlags);
}

/** The long name of the first given transform flag (what docs/cli.md §3.6 rule 15 names), or null. */
export function firstTransformFlag(o: TransformFlags): string | null {
  return TRANSFORM_FLAGS.find((r) => o[r.key] !== undefined)?.flag ?? null;
}

/** The given flags under the core's option names; the prefix-root multiplier as decimal text, as the core takes it. */
export function coreTransformOptions(o: TransformFlags): CoreTransformOptions {
  const out: Record<string, string | number> = {};
  for (const r of TRANSFORM_FLAGS) {
    const v = o[r.key];
    if (v === undefined) continue;
    out[r.core] = r.core === 'prefixRootMultiplier' ? String(v) : v;
  }
  return out as CoreTransformOptions;
}

/**
 * `input_config.input.synthesis`: every transform flag under AIPerf's name, null where not given.
 * Multipliers are written as JSON numbers (they have at most 9 fractional digits, which a double
 * keeps when printed shortest).
 */
export function transformFlagsJson(o: TransformFlags): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const r of TRANSFORM_FLAGS) {
    const v = o[r.key];
    out[r.json] = v === undefined ? null : Number(v);
  }
  return out;
}
