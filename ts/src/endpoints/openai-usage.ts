// The OpenAI `usage` object (chat, completions, and any server that copies it) read into the fields
// of docs/metrics.md §3.
import { isObject, num, type UsageFields, usageOf } from './api.js';

/** `{prompt_tokens, completion_tokens, total_tokens, …_details}`, or null when `u` is not an object. */
export function openAiUsage(u: unknown): UsageFields | null {
  if (!isObject(u)) return null;
  const cd = isObject(u.completion_tokens_details) ? u.completion_tokens_details : {};
  const pd = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  return usageOf({
    promptTokens: num(u, 'prompt_tokens'),
    completionTokens: num(u, 'completion_tokens'),
    totalTokens: num(u, 'total_tokens'),
    reasoningTokens: num(cd, 'reasoning_tokens'),
    cachedTokens: num(pd, 'cached_tokens'),
  });
}
