// Fixed-point decimals of a double's exact binary value, ties to even (Python's `format(x, ',.2f')`).
// `Number.prototype.toFixed` rounds the decimal approximation instead: (0.125).toFixed(2) is "0.13".

const view = new DataView(new ArrayBuffer(8));

/** Split a finite double into sign and exact `mantissa · 2^exponent`. */
function decompose(value: number): { negative: boolean; mantissa: bigint; exponent: number } {
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { negative, mantissa: fraction, exponent: -1074 };
  return { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

function groupThousands(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/**
 * `value` rounded to `decimals` fractional digits, correctly rounded from its exact binary
 * value with ties to even; `grouping` inserts `,` every three integer digits. A negative value
 * that rounds to zero keeps its sign (`-0.00`), as Python does.
 */
export function formatDecimal(value: number, decimals: number, options: { grouping?: boolean } = {}): string {
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`decimals must be a non-negative integer, got ${decimals}`);
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const { negative, mantissa, exponent } = decompose(value);
  const scale = 10n ** BigInt(decimals);
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = (mantissa << BigInt(exponent)) * scale;
  } else {
    const numerator = mantissa * scale;
    const denominator = 1n << BigInt(-exponent);
    scaled = numerator / denominator;
    const twiceRemainder = (numerator % denominator) * 2n;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && scaled % 2n === 1n)) scaled += 1n;
  }
  let digits = scaled.toString().padStart(decimals + 1, '0');
  const intPart = digits.slice(0, digits.length - decimals);
  const fracPart = digits.slice(digits.length - decimals);
  digits = options.grouping ? groupThousands(intPart) : intPart;
  return `${negative ? '-' : ''}${digits}${decimals > 0 ? `.${fracPart}` : ''}`;
}

/** `{value:,.Nf}`: thousands separators and `decimals` digits. */
export function formatFixedGrouped(value: number, decimals: number): string {
  return formatDecimal(value, decimals, { grouping: true });
}

/** `{n:,}` for an integer count. */
export function formatCount(n: number | bigint): string {
  const text = typeof n === 'bigint' ? n.toString() : BigInt(Math.trunc(n)).toString();
  return text.startsWith('-') ? `-${groupThousands(text.slice(1))}` : groupThousands(text);
}
