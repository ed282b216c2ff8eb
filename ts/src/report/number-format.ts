// Number formats of the exports: AIPerf's JSON float form (docs/trace-analysis.md §5.3), the CSV's
// 2-decimal half-even form (docs/exports.md §5) and the console's `{:,.2f}` (docs/exports.md §9).

/** Shortest round-trip decimal digits and decimal exponent of a finite non-zero |v|. */
function shortest(v: number): { digits: string; exp: number } {
  const [mant, e] = Math.abs(v).toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

/**
 * AIPerf float format: shortest round-trip decimal; positional with at least one fractional
 * digit when `1e-5 ≤ |v| < 1e16` or `v = 0`, else scientific with an explicit exponent sign
 * and no leading exponent zeros (`5e-6`, `1e+16`). Throws on NaN/±∞ (they never reach a file).
 */
export function formatAiperfFloat(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`non-finite number ${v} in an export`);
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const a = Math.abs(v);
  const { digits, exp } = shortest(a);
  if (a >= 1e-5 && a < 1e16) {
    if (exp >= 0) {
      const intLen = exp + 1;
      const int = digits.length > intLen ? digits.slice(0, intLen) : digits.padEnd(intLen, '0');
      const frac = digits.length > intLen ? digits.slice(intLen) : '0';
      return `${sign}${int}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
}

/**
 * `v` with exactly 2 decimals, rounded half to even on the exact binary value (Python's
 * `f"{v:.2f}"`). `toFixed` already rounds the exact value; it differs from Python only on
 * exact ties, which for 2 decimals are exactly the doubles with `8·v` an odd integer.
 */
export function formatFixed2(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`non-finite number ${v} in an export`);
  const neg = v < 0 || Object.is(v, -0);
  const a = Math.abs(v);
  const eighth = a * 8;
  let text: string;
  if (Number.isInteger(eighth) && eighth % 2 === 1 && a < 2 ** 40) {
    const lo = Math.floor(a * 100);
    const n = lo % 2 === 0 ? lo : lo + 1;
    const s = String(n).padStart(3, '0');
    text = `${s.slice(0, -2)}.${s.slice(-2)}`;
  } else {
    text = a.toFixed(2);
  }
  return neg ? `-${text}` : text;
}

/** Python's `f"{v:,.2f}"`: 2 decimals half-even with thousands separators. */
export function formatConsole2(v: number): string {
  const s = formatFixed2(v);
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int, frac] = body.split('.') as [string, string];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${grouped}.${frac}`;
}
