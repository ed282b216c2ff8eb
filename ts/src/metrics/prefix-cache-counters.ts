// Which counters give a server's prefix-cache hit rate (docs/exports.md §8.3): vLLM's hits over
// queries, or llama.cpp's cached prompt tokens over all prompt tokens. One rule for the console
// footer (over the profiling window) and the live dashboard (since the window began).

export interface PrefixCacheCounts {
  hits: number;
  queries: number;
  /** The counters the figures come from, as the footer names them. */
  source: string;
}

/**
 * The hit and query counts from `total(name)`, the increase of the counter `name` over the period
 * of interest (null when the server does not expose it); null when neither server's counters are
 * there or nothing was queried.
 */
export function prefixCacheCounts(total: (name: string) => number | null): PrefixCacheCounts | null {
  const hits = total('vllm:prefix_cache_hits_total');
  const queries = total('vllm:prefix_cache_queries_total');
  if (hits !== null && queries !== null && queries > 0) {
    return { hits, queries, source: 'vllm:prefix_cache_hits / vllm:prefix_cache_queries' };
  }
  // llama.cpp's prompt_tokens_total excludes the tokens read from the cache (its HELP text says
  // so), so the prompt tokens the server was asked for are the sum of the two counters.
  const cached = total('llamacpp:prompt_tokens_cached_total');
  const evaluated = total('llamacpp:prompt_tokens_total');
  if (cached !== null && evaluated !== null && cached + evaluated > 0) {
    return {
      hits: cached,
      queries: cached + evaluated,
      source: 'llamacpp:prompt_tokens_cached / (llamacpp:prompt_tokens_cached + llamacpp:prompt_tokens)',
    };
  }
  return null;
}
