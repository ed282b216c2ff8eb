// A reader of the Prometheus text exposition for tests: sample lines into a map keyed by the
// series (`name{label="v",…}`, labels sorted), so two scrapes compare series by series.
import { expect } from 'vitest';

/** Series key → value; `# HELP`/`# TYPE` lines and blank lines skipped. Fails the test on a line it cannot read. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(m, `exposition line: ${line}`).not.toBeNull();
    const labels = [...(m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}="${l[2]}"`).sort();
    const value = m![3] === '+Inf' ? Infinity : m![3] === '-Inf' ? -Infinity : Number(m![3]);
    out.set(labels.length === 0 ? m![1]! : `${m![1]}{${labels.join(',')}}`, value);
  }
  return out;
}

/** The value of series `name` with exactly `labels` (0 when absent). */
export function sample(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const keys = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return series.get(keys.length === 0 ? name : `${name}{${keys.join(',')}}`) ?? 0;
}

/** The sum of every series of `name` whose labels include `labels`. */
export function sumOf(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const [key, value] of series) {
    const brace = key.indexOf('{');
    const n = brace < 0 ? key : key.slice(0, brace);
    if (n !== name) continue;
    const have = brace < 0 ? [] : key.slice(brace + 1, -1).split(',');
    if (want.every((w) => have.includes(w))) total += value;
  }
  return total;
}
