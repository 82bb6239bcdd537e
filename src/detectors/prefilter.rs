//! The combined keyword prefilter: every detector keyword and anchor
//! literal in one automaton, run once over each file.
//!
//! The automaton is the `aho-corasick` crate's, turned into a DFA: a flat
//! table with one row of next states per state and one column per class of
//! bytes (bytes no pattern holds form one class, each letter with its other
//! case another), so that the hot loop is two indexed loads and one
//! comparison per byte. States are numbered by the offset of their row, and
//! states that report a match come first, so a single `<` tells whether
//! there is anything to report.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{Anchored, MatchKind};

/// Every occurrence of a set of literals, ASCII case-insensitively.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// The class of each byte.
    class: [u8; 256],
    /// Next state for each state (the offset of its row) and class.
    table: Vec<u32>,
    /// log2 of the row length.
    stride2: u32,
    /// States below this offset report matches.
    matching: u32,
    /// For each reporting state (by row number), its (pattern, pattern
    /// length) pairs.
    reports: Vec<Vec<(u32, u32)>>,
    /// Where the search starts.
    start: u32,
    /// The longest pattern's length.
    max_len: usize,
}

/// Parts a large buffer is searched in, in lockstep.
const LANES: usize = 4;
/// Buffers shorter than this many bytes per lane are searched in one pass.
const LANE_MIN: usize = 1024;

impl Prefilter {
    /// Builds the prefilter for `patterns` (matched ASCII
    /// case-insensitively).
    pub fn new(patterns: &[String]) -> Result<Self, aho_corasick::BuildError> {
        // The crate's NFA (its DFA would compute every transition of every
        // state up front; only a representative byte per class is needed).
        let dfa = aho_corasick::nfa::noncontiguous::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(patterns)?;
        let start = dfa
            .start_state(Anchored::No)
            .expect("an unanchored DFA has an unanchored start state");
        // Bytes that no pattern holds behave alike, as do the two cases of
        // a letter: one representative byte of each class is enough to
        // follow the DFA's transitions.
        let mut class = [0u8; 256];
        let mut representatives = vec![0u8];
        for p in patterns {
            for b in p.bytes().map(|b| b.to_ascii_lowercase()) {
                if class[usize::from(b)] == 0 && b != representatives[0] {
                    representatives.push(b);
                    let c = (representatives.len() - 1) as u8;
                    class[usize::from(b)] = c;
                    class[usize::from(b.to_ascii_uppercase())] = c;
                }
            }
        }
        // At most 230 folded byte values: the classes fit in a `u8`.
        // The byte standing for class 0 must be one no pattern holds.
        if let Some(free) = (0..=255u8).find(|&b| {
            !patterns
                .iter()
                .any(|p| p.bytes().any(|q| q.eq_ignore_ascii_case(&b)))
        }) {
            representatives[0] = free;
        }
        // Every reachable state, found breadth first. State ids are offsets
        // into the DFA's own table, so a vector indexed by them is the map.
        let mut order = vec![start];
        let mut seen: Vec<bool> = Vec::new();
        let mark = |seen: &mut Vec<bool>, sid: StateID| {
            let at = sid.as_usize();
            if at >= seen.len() {
                seen.resize(at + 1, false);
            }
            !std::mem::replace(&mut seen[at], true)
        };
        mark(&mut seen, start);
        let mut next: Vec<Vec<StateID>> = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let sid = order[i];
            let row: Vec<StateID> = representatives
                .iter()
                .map(|&b| dfa.next_state(Anchored::No, sid, b))
                .collect();
            for &n in &row {
                if mark(&mut seen, n) {
                    order.push(n);
                }
            }
            next.push(row);
            i += 1;
        }
        // Reporting states first.
        let mut by_report: Vec<usize> = (0..order.len()).collect();
        by_report.sort_by_key(|&k| !dfa.is_match(order[k]));
        let stride2 = representatives.len().next_power_of_two().trailing_zeros();
        let mut numbers = vec![0u32; seen.len()];
        for (n, &k) in by_report.iter().enumerate() {
            numbers[order[k].as_usize()] = (n as u32) << stride2;
        }
        let number = |sid: StateID| numbers[sid.as_usize()];
        let matching = (order.iter().filter(|&&sid| dfa.is_match(sid)).count() as u32) << stride2;
        let mut table = vec![0u32; order.len() << stride2];
        for (row, &k) in table.chunks_exact_mut(1 << stride2).zip(&by_report) {
            for (slot, &n) in row.iter_mut().zip(&next[k]) {
                *slot = number(n);
            }
        }
        let order: Vec<StateID> = by_report.iter().map(|&k| order[k]).collect();
        let reports = order[..(matching >> stride2) as usize]
            .iter()
            .map(|&sid| {
                (0..dfa.match_len(sid))
                    .map(|k| {
                        let p = dfa.match_pattern(sid, k);
                        (p.as_u32(), dfa.pattern_len(p) as u32)
                    })
                    .collect()
            })
            .collect();
        Ok(Prefilter {
            class,
            table,
            stride2,
            matching,
            reports,
            start: number(start),
            max_len: patterns.iter().map(String::len).max().unwrap_or(0),
        })
    }

    /// Calls `hit(pattern, start)` for every occurrence of every pattern in
    /// `data` until it returns `false`. Occurrences come in no particular
    /// order.
    ///
    /// Each step of a DFA waits for the previous one (the next state is a
    /// load from the current one), so a single pass runs at the latency of
    /// a load per byte. Large buffers are therefore cut into [`LANES`]
    /// parts searched in lockstep, whose steps overlap in the processor;
    /// each part starts early by the longest pattern's length less one, so
    /// that an occurrence crossing a cut is seen whole, and reports only
    /// the occurrences that end in its own part.
    pub fn scan(&self, data: &[u8], mut hit: impl FnMut(usize, usize) -> bool) {
        let overlap = self.max_len.saturating_sub(1);
        if data.len() < LANE_MIN * LANES || overlap >= LANE_MIN {
            self.scan_from(data, 0, self.start as usize, 0, &mut hit);
            return;
        }
        let part = data.len() / LANES;
        // Lane k reports occurrences ending in own[k]..own[k + 1] and reads
        // from own[k] - overlap.
        let own: [usize; LANES + 1] =
            std::array::from_fn(|k| if k == LANES { data.len() } else { k * part });
        let from: [usize; LANES] = std::array::from_fn(|k| own[k].saturating_sub(overlap));
        // Every lane reads at least this far in lockstep.
        let common = (0..LANES).map(|k| own[k + 1] - from[k]).min().unwrap_or(0);
        let (class, table) = (&self.class, &self.table[..]);
        let matching = self.matching as usize;
        let mut state = [self.start as usize; LANES];
        let lane = |k: usize| &data[from[k]..from[k] + common];
        let lanes = lane(0).iter().zip(lane(1)).zip(lane(2)).zip(lane(3));
        for (j, (((&b0, &b1), &b2), &b3)) in lanes.enumerate() {
            state[0] = table[state[0] + usize::from(class[usize::from(b0)])] as usize;
            state[1] = table[state[1] + usize::from(class[usize::from(b1)])] as usize;
            state[2] = table[state[2] + usize::from(class[usize::from(b2)])] as usize;
            state[3] = table[state[3] + usize::from(class[usize::from(b3)])] as usize;
            if state.iter().any(|&s| s < matching) {
                for k in 0..LANES {
                    let at = from[k] + j;
                    if state[k] < matching && at >= own[k] && !self.report(state[k], at, &mut hit) {
                        return;
                    }
                }
            }
        }
        for k in 0..LANES {
            let at = from[k] + common;
            if !self.scan_from(&data[..own[k + 1]], at, state[k], own[k], &mut hit) {
                return;
            }
        }
    }

    /// Runs on from `data[at]` in `state` to the end of `data`, reporting
    /// occurrences that end at or after `report_from`; `false` when told to
    /// stop.
    fn scan_from(
        &self,
        data: &[u8],
        at: usize,
        mut state: usize,
        report_from: usize,
        hit: &mut impl FnMut(usize, usize) -> bool,
    ) -> bool {
        // Locals, so the loop keeps them in registers.
        let (class, table) = (&self.class, &self.table[..]);
        let matching = self.matching as usize;
        for (i, &byte) in data.iter().enumerate().skip(at) {
            state = table[state + usize::from(class[usize::from(byte)])] as usize;
            if state < matching && i >= report_from && !self.report(state, i, hit) {
                return false;
            }
        }
        true
    }

    /// Reports the matches of `state`, reached at `data[i]`; `false` when
    /// told to stop. Kept out of the loop, which rarely needs it.
    #[cold]
    #[inline(never)]
    fn report(&self, state: usize, i: usize, hit: &mut impl FnMut(usize, usize) -> bool) -> bool {
        self.reports[state >> self.stride2]
            .iter()
            .all(|&(p, len)| hit(p as usize, i + 1 - len as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(patterns: &[&str], data: &str) -> Vec<(usize, usize)> {
        let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
        let pf = Prefilter::new(&patterns).unwrap();
        let mut out = Vec::new();
        pf.scan(data.as_bytes(), |p, s| {
            out.push((p, s));
            true
        });
        out.sort();
        out
    }

    #[test]
    fn every_occurrence_overlapping_and_case_insensitive() {
        assert_eq!(
            all(&["sk_", "sk_live", "live"], "x SK_LIVE_1 sk_"),
            [(0, 2), (0, 12), (1, 2), (2, 5)]
        );
        assert_eq!(all(&["abc"], ""), []);
        assert_eq!(all(&["aa"], "aaaa"), [(0, 0), (0, 1), (0, 2)]);
    }

    #[test]
    fn lanes_find_what_one_pass_finds() {
        let patterns: Vec<String> = ["token", "ghp_", "xoxb-", "password=", "ab"]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let pf = Prefilter::new(&patterns).unwrap();
        // Occurrences everywhere, across every cut, at both ends.
        let mut data = Vec::new();
        let mut n = 0u32;
        while data.len() < 20_000 {
            n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let piece: &[u8] = match n >> 28 {
                0 => b"TOKEN",
                1 => b"ghp_",
                2 => b"xoxb-",
                3 => b"password=",
                4 => b"aab",
                _ => b" x",
            };
            data.extend_from_slice(piece);
        }
        let mut lanes = Vec::new();
        pf.scan(&data, |p, s| {
            lanes.push((p, s));
            true
        });
        let mut single = Vec::new();
        pf.scan_from(&data, 0, pf.start as usize, 0, &mut |p, s| {
            single.push((p, s));
            true
        });
        lanes.sort();
        single.sort();
        assert!(single.len() > 1000);
        assert_eq!(lanes, single);
    }

    #[test]
    fn stops_when_told() {
        let pf = Prefilter::new(&["a".to_string()]).unwrap();
        let mut n = 0;
        pf.scan(b"aaaa", |_, _| {
            n += 1;
            n < 2
        });
        assert_eq!(n, 2);
    }
}
