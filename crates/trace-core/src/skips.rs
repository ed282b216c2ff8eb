//! The lenient-mode skip summary (`docs/trace-format.md` §4.2): one counter and one warning
//! line for every command that reads rows (analysis, transform, generate, hash-prompts).

use crate::error::Reason;
use crate::json_text::write_json_string;

/// At most this many line numbers are kept and shown per reason (§4.2).
pub const SHOWN_LINES: usize = 5;

/// Skipped rows of one reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipReasonCount {
    pub reason: Reason,
    pub count: u64,
    /// The first (at most [`SHOWN_LINES`]) line numbers, ascending.
    pub lines: Vec<u64>,
}

/// Rows skipped by `--skip-invalid`, per reason, with the first line numbers of each.
///
/// Rows must be [`add`](SkipSummary::add)ed in file order, so that the kept line numbers are
/// the first ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkipSummary {
    counts: [u64; Reason::ALL.len()],
    lines: [Vec<u64>; Reason::ALL.len()],
}

impl SkipSummary {
    /// Counts one skipped row.
    pub fn add(&mut self, reason: Reason, line: u64) {
        let i = reason.index();
        self.counts[i] += 1;
        if self.lines[i].len() < SHOWN_LINES {
            self.lines[i].push(line);
        }
    }

    /// The count and the kept line numbers of every reason, in [`Reason::ALL`] order (what a
    /// replay dataset's snapshot keeps).
    pub(crate) fn per_reason(&self) -> impl Iterator<Item = (u64, &[u64])> {
        self.counts.iter().zip(&self.lines).map(|(&c, l)| (c, l.as_slice()))
    }

    /// Sets the count and kept lines of the reason at `index` in [`Reason::ALL`] (a snapshot
    /// being read back; `lines` at most [`SHOWN_LINES`]).
    pub(crate) fn set(&mut self, index: usize, count: u64, lines: Vec<u64>) {
        self.counts[index] = count;
        self.lines[index] = lines;
    }

    /// Number of skipped rows.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The reasons with at least one row, in descending count, ties in [`Reason::ALL`]
    /// (table) order.
    pub fn reasons(&self) -> Vec<SkipReasonCount> {
        let mut v: Vec<SkipReasonCount> = Reason::ALL
            .iter()
            .filter(|r| self.counts[r.index()] > 0)
            .map(|&reason| SkipReasonCount { reason, count: self.counts[reason.index()], lines: self.lines[reason.index()].clone() })
            .collect();
        // A stable sort keeps the table order for ties.
        v.sort_by_key(|r| std::cmp::Reverse(r.count));
        v
    }

    /// `{"total":N,"reasons":[{"reason":"bad_type","count":2,"lines":[3,9]},…]}`, reasons in
    /// warning order.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\"total\":{},\"reasons\":[", self.total());
        for (i, r) in self.reasons().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"reason\":");
            write_json_string(&mut out, r.reason.as_str());
            out.push_str(&format!(",\"count\":{},\"lines\":[{}]}}", r.count, join(&r.lines, ",")));
        }
        out.push_str("]}");
        out
    }

    /// The §4.2 warning line (without a newline), or `None` when nothing was skipped:
    /// `warning: skipped N invalid rows in PATH (REASON: COUNT [line L1, L2, ...]; ...)`.
    /// Always `line`, whatever the count: the spec's form, which scripts match.
    pub fn warning_line(&self, path: &str) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let parts: Vec<String> = self
            .reasons()
            .iter()
            .map(|r| {
                let more = if r.count > r.lines.len() as u64 { ", ..." } else { "" };
                format!("{}: {} [line {}{more}]", r.reason.as_str(), r.count, join(&r.lines, ", "))
            })
            .collect();
        Some(format!("warning: skipped {total} invalid rows in {path} ({})", parts.join("; ")))
    }
}

fn join(lines: &[u64], sep: &str) -> String {
    lines.iter().map(u64::to_string).collect::<Vec<_>>().join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_orders_by_count_then_table_order_and_always_says_line() {
        let mut s = SkipSummary::default();
        for (reason, line) in [
            (Reason::OutOfRange, 3),
            (Reason::BadType, 2),
            (Reason::DuplicateField, 5),
            (Reason::BadType, 4),
            (Reason::DuplicateField, 6),
            (Reason::InvalidJson, 7),
        ] {
            s.add(reason, line);
        }
        // Regression: synthesis printed `[lines 5, 6]` for counts above one.
        assert_eq!(
            s.warning_line("p.jsonl").unwrap(),
            "warning: skipped 6 invalid rows in p.jsonl (duplicate_field: 2 [line 5, 6]; bad_type: 2 [line 2, 4]; invalid_json: 1 [line 7]; out_of_range: 1 [line 3])"
        );
        assert_eq!(
            s.to_json(),
            r#"{"total":6,"reasons":[{"reason":"duplicate_field","count":2,"lines":[5,6]},{"reason":"bad_type","count":2,"lines":[2,4]},{"reason":"invalid_json","count":1,"lines":[7]},{"reason":"out_of_range","count":1,"lines":[3]}]}"#
        );
    }

    #[test]
    fn keeps_the_first_five_lines_then_an_ellipsis() {
        let mut s = SkipSummary::default();
        for line in 1..=7 {
            s.add(Reason::NotAnObject, line);
        }
        assert_eq!(s.warning_line("m").unwrap(), "warning: skipped 7 invalid rows in m (not_an_object: 7 [line 1, 2, 3, 4, 5, ...])");
        assert_eq!(s.reasons()[0].lines, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn nothing_skipped_gives_no_warning_and_an_empty_json() {
        let s = SkipSummary::default();
        assert_eq!((s.total(), s.warning_line("x")), (0, None));
        assert_eq!(s.to_json(), r#"{"total":0,"reasons":[]}"#);
    }
}
