// An independent, deliberately plain TypeScript implementation of the analyze-trace
// definitions (docs/trace-analysis.md §2–§4), used as a golden oracle for the Rust core. It shares
// no code with the core: Maps, plain loops, a Shewchuk/`math.fsum`-style exact sum, and
// textbook quantiles. Valid traces only (the oracle does not validate rows).

export interface OracleStats {
  mean: number;
  std_dev: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
}

export interface OracleReport {
  total_requests: number;
  unique_prefixes: number;
  num_prefix_groups: number;
  cache_hit_rate: number;
  min_isl: number;
  max_isl: number;
  avg_isl: number;
  min_osl: number;
  max_osl: number;
  avg_osl: number;
  prefix_reuse_ratio: number;
  isl_stats: OracleStats | null;
  osl_stats: OracleStats | null;
  context_length_stats: OracleStats | null;
  unique_prompt_length_stats: OracleStats | null;
  hit_rate_stats: OracleStats | null;
  block_size: number;
  rows_without_hash_ids: number;
  rows_without_input_length: number;
  rows_without_timestamp: number;
  inconsistent_rows: number;
  token_weighted_hit_rate: number;
  sessions: number;
  multi_turn_sessions: number;
  duration_ms: number | null;
  request_rate_stats: OracleStats | null;
}

interface Row {
  isl: number;
  osl: number;
  hasIsl: boolean;
  hashes: number[];
  timestamp: number | null;
  session: string | null;
}

/** Python's `math.fsum`: exact sum of doubles (Shewchuk partials), rounded once. */
export function fsum(values: readonly number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let hi = 0;
  let n = partials.length;
  if (n > 0) {
    hi = partials[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
  }
  return hi;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function oracleStats(values: readonly number[]): OracleStats | null {
  if (values.length === 0) return null;
  const m = values.length;
  const mean = fsum(values) / m;
  const variance = fsum(values.map((x) => (x - mean) * (x - mean))) / m;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean,
    std_dev: Math.sqrt(variance),
    min: sorted[0]!,
    p25: quantile(sorted, 0.25),
    median: m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2,
    p75: quantile(sorted, 0.75),
    max: sorted[m - 1]!,
  };
}

function parseRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    const isl = (o.input_length ?? o.input_tokens) as number | undefined;
    const osl = (o.output_length ?? o.output_tokens) as number | undefined;
    const ts = (o.timestamp ?? o.created_time) as number | undefined;
    rows.push({
      isl: isl === undefined || isl === null ? 0 : Number(isl),
      hasIsl: isl !== undefined && isl !== null,
      osl: osl === undefined || osl === null ? 0 : Number(osl),
      hashes: ((o.hash_ids as number[] | null | undefined) ?? []).map(Number),
      timestamp: ts === undefined || ts === null ? null : Number(ts),
      session: o.session_id === undefined || o.session_id === null ? null : String(o.session_id),
    });
  }
  return rows;
}

interface TrieNode {
  count: number;
  children: Map<number, TrieNode>;
}

/** Analyse a valid trace text with the definitions of docs/trace-analysis.md. */
export function oracleAnalyze(text: string, bs = 512): OracleReport {
  const rows = parseRows(text);
  const n = rows.length;

  // Prefix trie: one node per distinct prefix, counting rows through it.
  const root: TrieNode = { count: 0, children: new Map() };
  let uniquePrefixes = 0;
  let totalPrefixOccurrences = 0;
  for (const row of rows) {
    let node = root;
    for (const id of row.hashes) {
      let child = node.children.get(id);
      if (!child) {
        child = { count: 0, children: new Map() };
        node.children.set(id, child);
        uniquePrefixes++;
      }
      child.count++;
      totalPrefixOccurrences++;
      node = child;
    }
  }
  let reused = 0;
  const stack: TrieNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of node.children.values()) {
      if (child.count > 1) reused += child.count;
      stack.push(child);
    }
  }

  const firstIdCounts = new Map<number, number>();
  for (const row of rows) {
    if (row.hashes.length > 0) firstIdCounts.set(row.hashes[0]!, (firstIdCounts.get(row.hashes[0]!) ?? 0) + 1);
  }
  let prefixGroups = 0;
  for (const c of firstIdCounts.values()) if (c >= 2) prefixGroups++;

  // Position-aware pair counts, keyed "position:id".
  const pairCounts = new Map<string, number>();
  for (const row of rows) {
    row.hashes.forEach((id, j) => {
      pairCounts.set(`${j}:${id}`, (pairCounts.get(`${j}:${id}`) ?? 0) + 1);
    });
  }
  const context: number[] = [];
  const unique: number[] = [];
  let inconsistent = 0;
  for (const row of rows) {
    const k = row.hashes.length;
    if (k === 0) {
      context.push(0);
      unique.push(row.isl);
      continue;
    }
    if (row.isl > k * bs || row.isl <= (k - 1) * bs) inconsistent++;
    let repeated = 0;
    row.hashes.forEach((id, j) => {
      if (pairCounts.get(`${j}:${id}`)! >= 2) repeated++;
    });
    if (repeated === k) {
      context.push(row.isl);
      unique.push(0);
    } else {
      context.push(repeated * bs);
      unique.push(row.isl - repeated * bs);
    }
  }

  // Infinite cache in file order.
  const seen = new Set<number>();
  const hits: number[] = [];
  let reusable = 0;
  let weightedDenominator = 0;
  for (const row of rows) {
    if (row.hashes.length === 0) continue;
    let f = 0;
    while (f < row.hashes.length && seen.has(row.hashes[f]!)) f++;
    hits.push(f / row.hashes.length);
    reusable += Math.min(f * bs, row.isl);
    weightedDenominator += row.isl;
    for (const id of row.hashes) seen.add(id);
  }

  const isl = rows.map((r) => r.isl);
  const osl = rows.map((r) => r.osl);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

  const sessionsWithId = new Map<string, number>();
  let rowsWithoutSession = 0;
  for (const row of rows) {
    if (row.session === null) rowsWithoutSession++;
    else sessionsWithId.set(row.session, (sessionsWithId.get(row.session) ?? 0) + 1);
  }
  let multiTurn = 0;
  for (const c of sessionsWithId.values()) if (c >= 2) multiTurn++;

  const timestamps = rows.map((r) => r.timestamp).filter((t): t is number => t !== null);
  let duration: number | null = null;
  let rateStats: OracleStats | null = null;
  if (timestamps.length > 0) {
    let t0 = Infinity;
    let t1 = -Infinity;
    for (const t of timestamps) {
      t0 = Math.min(t0, t);
      t1 = Math.max(t1, t);
    }
    duration = t1 - t0;
    const windows = Math.max(1, Math.ceil(duration / 1000));
    const counts = new Array<number>(windows).fill(0);
    for (const t of timestamps) counts[Math.min(Math.floor((t - t0) / 1000), windows - 1)]!++;
    rateStats = oracleStats(counts);
  }

  return {
    total_requests: n,
    unique_prefixes: uniquePrefixes,
    num_prefix_groups: prefixGroups,
    cache_hit_rate: hits.length === 0 ? 0 : fsum(hits) / hits.length,
    min_isl: n === 0 ? 0 : isl.reduce((a, b) => Math.min(a, b)),
    max_isl: n === 0 ? 0 : isl.reduce((a, b) => Math.max(a, b)),
    avg_isl: n === 0 ? 0 : sum(isl) / n,
    min_osl: n === 0 ? 0 : osl.reduce((a, b) => Math.min(a, b)),
    max_osl: n === 0 ? 0 : osl.reduce((a, b) => Math.max(a, b)),
    avg_osl: n === 0 ? 0 : sum(osl) / n,
    prefix_reuse_ratio: totalPrefixOccurrences === 0 ? 0 : reused / totalPrefixOccurrences,
    isl_stats: oracleStats(isl),
    osl_stats: oracleStats(osl),
    context_length_stats: oracleStats(context),
    unique_prompt_length_stats: oracleStats(unique),
    hit_rate_stats: oracleStats(hits),
    block_size: bs,
    rows_without_hash_ids: rows.filter((r) => r.hashes.length === 0).length,
    rows_without_input_length: rows.filter((r) => !r.hasIsl).length,
    rows_without_timestamp: n - timestamps.length,
    inconsistent_rows: inconsistent,
    token_weighted_hit_rate: weightedDenominator === 0 ? 0 : reusable / weightedDenominator,
    sessions: sessionsWithId.size + rowsWithoutSession,
    multi_turn_sessions: multiTurn,
    duration_ms: duration,
    request_rate_stats: rateStats,
  };
}
