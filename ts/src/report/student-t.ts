// Student's t distribution: the two-sided critical value `t` with P(|T| <= t) = level for `df`
// degrees of freedom, for the confidence intervals of repeated runs (docs/exports.md §15). No
// statistics package is installed, so the CDF is computed from the regularised incomplete beta
// function (continued fraction, Numerical Recipes §6.4) and inverted by bisection: slow next to a
// closed form but exact to double precision, and it is called a few hundred times per aggregate.

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-15). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only on this side of the mean; the other side by symmetry.
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(|T| <= t) for t >= 0 and `df` degrees of freedom. */
export function studentTTwoSidedProbability(t: number, df: number): number {
  return 1 - incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/**
 * The two-sided critical value for confidence `level` (0 < level < 1) and `df` >= 1 degrees of
 * freedom: the (1 + level) / 2 quantile of Student's t. Throws RangeError outside those ranges.
 */
export function studentTCritical(level: number, df: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be between 0 and 1 (exclusive), got ${level}`);
  if (!(df >= 1) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be at least 1, got ${df}`);
  // Bracket, then bisect: the probability rises monotonically in t.
  let lo = 0;
  let hi = 1;
  while (studentTTwoSidedProbability(hi, df) < level) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSidedProbability(mid, df) < level) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
