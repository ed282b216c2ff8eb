//! The materialisation scope (`docs/synthesis.md` §6.1): FNV-1a 64 of the file's bytes, hashed
//! as they stream.
//!
//! FNV-1a is a chain of dependent multiplies, about a nanosecond per byte whatever the code:
//! as much CPU as parsing the rows. On native targets a large chunk is therefore hashed on a
//! second thread while the calling thread parses it; the result is the same hash.

use crate::rng::Fnv1a64;

/// Chunks below this are hashed on the calling thread (a thread start costs more).
const THREADED_MIN: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope {
    hash: Fnv1a64,
    /// Hash on a second thread (native targets with two cores or more).
    threaded: bool,
}

impl Scope {
    pub(crate) fn new(threaded: bool) -> Self {
        Scope { hash: Fnv1a64::new(), threaded: threaded && !cfg!(target_arch = "wasm32") }
    }

    /// Hashes `chunk` while `work` runs; returns what `work` returns.
    pub(crate) fn hash_during<T>(&mut self, chunk: &[u8], work: impl FnOnce() -> T) -> T {
        if !self.threaded || chunk.len() < THREADED_MIN {
            self.hash.update(chunk);
            return work();
        }
        let mut hash = self.hash;
        let result = std::thread::scope(|s| {
            let hasher = s.spawn(move || {
                hash.update(chunk);
                hash
            });
            let result = work();
            hash = hasher.join().expect("the scope hasher cannot panic");
            result
        });
        self.hash = hash;
        result
    }

    pub(crate) fn finish(&self) -> u64 {
        self.hash.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_and_chunking_do_not_change_the_hash() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        let want = crate::rng::fnv1a64(&data);
        for threaded in [false, true] {
            for chunk in [1000, 300_000, 1_000_000] {
                let mut s = Scope::new(threaded);
                let mut calls = 0;
                for c in data.chunks(chunk) {
                    s.hash_during(c, || calls += 1);
                }
                assert_eq!((s.finish(), calls), (want, data.len().div_ceil(chunk)));
            }
        }
    }
}
