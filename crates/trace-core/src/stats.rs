//! Distribution statistics exactly as NumPy computes them (`docs/trace-analysis.md` §3.4):
//! pairwise summation, population standard deviation, type-7 percentiles with NumPy's
//! lerp rule, and the even-length median as the mean of the two middle values.

use std::collections::HashMap;

/// The seven values of a stats object, in `analysis.json` key order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStats {
    pub mean: f64,
    pub std_dev: f64,
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
}

/// NumPy's pairwise sum of `f(0) … f(n−1)`, additions in NumPy's exact order.
pub fn pairwise_sum_by(n: usize, f: &impl Fn(usize) -> f64) -> f64 {
    ps(0, n, f)
}

/// NumPy's pairwise sum of a slice.
pub fn pairwise_sum(x: &[f64]) -> f64 {
    ps(0, x.len(), &|i| x[i])
}

fn ps(start: usize, n: usize, f: &impl Fn(usize) -> f64) -> f64 {
    if n < 8 {
        let mut s = 0.0;
        for i in 0..n {
            s += f(start + i);
        }
        s
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        for (j, rj) in r.iter_mut().enumerate() {
            *rj = f(start + j);
        }
        let whole = n - n % 8;
        let mut i = 8;
        while i < whole {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += f(start + i + j);
            }
            i += 8;
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for k in whole..n {
            s += f(start + k);
        }
        s
    } else {
        let mut h = n / 2;
        h -= h % 8;
        ps(start, h, f) + ps(start + h, n - h, f)
    }
}

/// Type-7 percentile of ascending `v` (accessed through `get`, length `m ≥ 1`) with
/// NumPy's lerp: `v[lo] + δ·t` if `t < 0.5`, else `v[hi] − δ·(1 − t)`.
pub fn percentile_by(m: usize, q: f64, get: &impl Fn(usize) -> f64) -> f64 {
    let g = (m - 1) as f64 * q;
    let lo = g.floor();
    let lo_i = lo as usize;
    let hi_i = (lo_i + 1).min(m - 1);
    let t = g - lo;
    let a = get(lo_i);
    let b = get(hi_i);
    let d = b - a;
    if t < 0.5 {
        a + d * t
    } else {
        b - d * (1.0 - t)
    }
}

fn median_by(m: usize, get: &impl Fn(usize) -> f64) -> f64 {
    if m % 2 == 1 {
        get((m - 1) / 2)
    } else {
        (get(m / 2 - 1) + get(m / 2)) / 2.0
    }
}

/// Mean and population standard deviation of non-empty `x` with NumPy's pairwise sums.
fn mean_and_std(x: &[f64]) -> (f64, f64) {
    let m = x.len();
    let mean = pairwise_sum(x) / m as f64;
    let var = pairwise_sum_by(m, &|i| {
        let d = x[i] - mean;
        d * d
    }) / m as f64;
    (mean, var.sqrt())
}

/// Stats of `x` (natural order; sorted in place afterwards). `None` for an empty list.
pub fn metric_stats(x: &mut [f64]) -> Option<MetricStats> {
    let m = x.len();
    if m == 0 {
        return None;
    }
    let (mean, std_dev) = mean_and_std(x);
    x.sort_unstable_by(f64::total_cmp);
    let get = |i: usize| x[i];
    Some(MetricStats {
        mean,
        std_dev,
        min: x[0],
        p25: percentile_by(m, 0.25, &get),
        median: median_by(m, &get),
        p75: percentile_by(m, 0.75, &get),
        max: x[m - 1],
    })
}

/// Exactly [`metric_stats`], but the order statistics come from selection instead of a
/// full sort (O(m) instead of O(m log m): the analysis calls this on millions of values).
/// `total_cmp` is a total order on bit patterns, so the value at each rank is the same as
/// in the sorted list. `x` is left in an unspecified order.
pub fn metric_stats_select(x: &mut [f64]) -> Option<MetricStats> {
    let m = x.len();
    if m == 0 {
        return None;
    }
    let (mean, std_dev) = mean_and_std(x);
    // every rank that min, p25, median, p75 and max read, ascending
    let mut ranks: Vec<usize> = vec![0, m - 1, (m - 1) / 2, m / 2];
    if m >= 2 {
        ranks.push(m / 2 - 1);
    }
    for q in [0.25, 0.75] {
        let lo = ((m - 1) as f64 * q).floor() as usize;
        ranks.push(lo);
        ranks.push((lo + 1).min(m - 1));
    }
    ranks.sort_unstable();
    ranks.dedup();
    let mut values = Vec::with_capacity(ranks.len());
    let mut done = 0; // x[..done] holds the ranks below `done`, already placed
    for &r in &ranks {
        let (_, v, _) = x[done..].select_nth_unstable_by(r - done, f64::total_cmp);
        values.push(*v);
        done = r + 1;
    }
    let get = |i: usize| values[ranks.binary_search(&i).expect("a selected rank")];
    Some(MetricStats {
        mean,
        std_dev,
        min: get(0),
        p25: percentile_by(m, 0.25, &get),
        median: median_by(m, &get),
        p75: percentile_by(m, 0.75, &get),
        max: get(m - 1),
    })
}

/// Stats of a long list of non-negative counts that is zero except at `nonzero`
/// (`(index, count)`, indices ascending and `< m`), without materialising it. Gives
/// exactly what [`metric_stats`] gives on the dense list: pairwise sums over all-zero
/// (constant) ranges are computed once per distinct range length.
pub fn sparse_count_stats(m: u64, nonzero: &[(u64, u64)]) -> Option<MetricStats> {
    if m == 0 {
        return None;
    }
    let mean = sparse_ps(m, nonzero, 0.0, |c| c as f64) / m as f64;
    let zero_d = (0.0 - mean) * (0.0 - mean);
    let var = sparse_ps(m, nonzero, zero_d, |c| {
        let d = c as f64 - mean;
        d * d
    }) / m as f64;
    let mut sorted: Vec<f64> = nonzero.iter().map(|&(_, c)| c as f64).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let zeros = m - sorted.len() as u64;
    let get = |i: u64| if i < zeros { 0.0 } else { sorted[(i - zeros) as usize] };
    let pct = |q: f64| {
        let g = (m - 1) as f64 * q;
        let lo = g.floor();
        let lo_i = lo as u64;
        let hi_i = (lo_i + 1).min(m - 1);
        let t = g - lo;
        let (a, b) = (get(lo_i), get(hi_i));
        let d = b - a;
        if t < 0.5 {
            a + d * t
        } else {
            b - d * (1.0 - t)
        }
    };
    let median = if m % 2 == 1 { get((m - 1) / 2) } else { (get(m / 2 - 1) + get(m / 2)) / 2.0 };
    Some(MetricStats { mean, std_dev: var.sqrt(), min: get(0), p25: pct(0.25), median, p75: pct(0.75), max: get(m - 1) })
}

fn sparse_ps(m: u64, nonzero: &[(u64, u64)], fill: f64, val: impl Fn(u64) -> f64 + Copy) -> f64 {
    let mut memo: HashMap<u64, f64> = HashMap::new();
    sparse_ps_rec(0, m, nonzero, fill, val, &mut memo)
}

fn const_ps(n: u64, fill: f64, memo: &mut HashMap<u64, f64>) -> f64 {
    if n <= 128 {
        return ps(0, n as usize, &|_| fill);
    }
    if let Some(&v) = memo.get(&n) {
        return v;
    }
    let mut h = n / 2;
    h -= h % 8;
    let v = const_ps(h, fill, memo) + const_ps(n - h, fill, memo);
    memo.insert(n, v);
    v
}

fn sparse_ps_rec(
    start: u64,
    n: u64,
    nonzero: &[(u64, u64)],
    fill: f64,
    val: impl Fn(u64) -> f64 + Copy,
    memo: &mut HashMap<u64, f64>,
) -> f64 {
    // entries of this range
    let lo = nonzero.partition_point(|&(i, _)| i < start);
    let hi = nonzero.partition_point(|&(i, _)| i < start + n);
    let here = &nonzero[lo..hi];
    if here.is_empty() {
        return const_ps(n, fill, memo);
    }
    if n <= 128 {
        let get = |i: usize| {
            let idx = start + i as u64;
            match here.binary_search_by_key(&idx, |&(k, _)| k) {
                Ok(p) => val(here[p].1),
                Err(_) => fill,
            }
        };
        return ps(0, n as usize, &get);
    }
    let mut h = n / 2;
    h -= h % 8;
    sparse_ps_rec(start, h, here, fill, val, memo) + sparse_ps_rec(start + h, n - h, here, fill, val, memo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_a_isl_stats() {
        let mut x = vec![1200.0, 1100.0, 600.0, 1024.0];
        let s = metric_stats(&mut x).unwrap();
        assert_eq!(
            s,
            MetricStats { mean: 981.0, std_dev: 228.65476159485505, min: 600.0, p25: 918.0, median: 1062.0, p75: 1125.0, max: 1200.0 }
        );
    }

    #[test]
    fn pairwise_matches_the_definition_for_every_size_class() {
        // values whose naive sum differs from the pairwise sum
        for m in [1usize, 7, 8, 9, 15, 16, 17, 127, 128, 129, 200, 1000, 4099] {
            let x: Vec<f64> = (0..m).map(|i| 0.1 + (i as f64) * 1e-3 + if i % 3 == 0 { 1e8 } else { 0.0 }).collect();
            let mut reference = 0.0;
            fn rec(x: &[f64]) -> f64 {
                let m = x.len();
                if m < 8 {
                    x.iter().fold(0.0, |s, v| s + v)
                } else if m <= 128 {
                    let mut r: Vec<f64> = x[..8].to_vec();
                    let mut i = 8;
                    while i < m - m % 8 {
                        for j in 0..8 {
                            r[j] += x[i + j];
                        }
                        i += 8;
                    }
                    let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
                    for v in &x[m - m % 8..] {
                        s += v;
                    }
                    s
                } else {
                    let mut h = m / 2;
                    h -= h % 8;
                    rec(&x[..h]) + rec(&x[h..])
                }
            }
            reference += rec(&x);
            assert_eq!(pairwise_sum(&x).to_bits(), reference.to_bits(), "m={m}");
        }
    }

    #[test]
    fn sparse_counts_equal_dense() {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            seed >> 33
        };
        for m in [1u64, 2, 5, 8, 100, 129, 1000, 3537, 20000] {
            for density in [0u64, 1, 10, 50] {
                let mut dense = vec![0u64; m as usize];
                let mut nonzero = Vec::new();
                for (i, d) in dense.iter_mut().enumerate() {
                    if density > 0 && next() % 100 < density {
                        *d = next() % 30 + 1;
                        nonzero.push((i as u64, *d));
                    }
                }
                let mut x: Vec<f64> = dense.iter().map(|&c| c as f64).collect();
                let a = metric_stats(&mut x).unwrap();
                let b = sparse_count_stats(m, &nonzero).unwrap();
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "m={m} density={density}");
            }
        }
    }

    #[test]
    fn selection_equals_sorting_bit_for_bit() {
        let mut seed = 777u64;
        let mut next = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            seed >> 33
        };
        for m in [1usize, 2, 3, 4, 5, 7, 8, 9, 10, 11, 100, 101, 1000, 4097] {
            for kind in 0..4 {
                let x: Vec<f64> = (0..m)
                    .map(|_| match kind {
                        0 => (next() % 5) as f64,               // many ties
                        1 => (next() % 1_000_000) as f64 / 7.0, // fractions
                        2 => {
                            if next() % 2 == 0 {
                                0.0
                            } else {
                                -0.0
                            }
                        } // signed zeros
                        _ => (next() % 3) as f64 * 1e300 - 1e300, // extremes
                    })
                    .collect();
                let a = metric_stats(&mut x.clone()).unwrap();
                let b = metric_stats_select(&mut x.clone()).unwrap();
                let bits = |s: &MetricStats| [s.mean, s.std_dev, s.min, s.p25, s.median, s.p75, s.max].map(f64::to_bits);
                assert_eq!(bits(&a), bits(&b), "m={m} kind={kind}");
            }
        }
        assert_eq!(metric_stats_select(&mut []), None);
    }

    #[test]
    fn percentile_lerp_rule() {
        let v = [1.0, 1.0, 2.0];
        let get = |i: usize| v[i];
        assert_eq!(percentile_by(3, 0.75, &get), 1.5);
        assert_eq!(percentile_by(1, 0.25, &|_| 4.0), 4.0);
    }
}
