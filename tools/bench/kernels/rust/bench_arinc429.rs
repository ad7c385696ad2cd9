//! Driver: ARINC 429 encode + decode of N words (see kernels/c/bench_arinc429.c).
//! `--cfg upel_gen` uses the generated avionics_arinc429 module, otherwise
//! the hand-written one.

mod bench_common;
use bench_common::*;

#[cfg(upel_gen)]
mod upel_rt;
#[cfg(upel_gen)]
mod avionics_units;
#[cfg(upel_gen)]
mod avionics_arinc429;
#[cfg(upel_gen)]
mod imp {
    pub use crate::avionics_arinc429::{Ssm, Word};
    pub fn ssm(v: u64) -> Ssm {
        Ssm::from_value(v as i128).unwrap()
    }
    #[inline(always)]
    pub fn encode(w: Word) -> u32 {
        crate::avionics_arinc429::encode(w).unwrap()
    }
    #[inline(always)]
    pub fn decode(raw: u32) -> Result<Word, u16> {
        crate::avionics_arinc429::decode(raw).map_err(|e| e.code())
    }
}

#[cfg(not(upel_gen))]
mod arinc429;
#[cfg(not(upel_gen))]
mod imp {
    pub use crate::arinc429::{Ssm, Word};
    pub fn ssm(v: u64) -> Ssm {
        [Ssm::FailureWarning, Ssm::NoComputedData, Ssm::FunctionalTest, Ssm::Normal][v as usize]
    }
    #[inline(always)]
    pub fn encode(w: Word) -> u32 {
        crate::arinc429::encode(w)
    }
    #[inline(always)]
    pub fn decode(raw: u32) -> Result<Word, u16> {
        crate::arinc429::decode(raw).map_err(|e| e as u16)
    }
}

fn main() {
    let (n, prefix) = args();
    let mut s = SplitMix(0x0429);
    let mut words = Vec::with_capacity(POOL);
    let mut flips = Vec::with_capacity(POOL);
    for _ in 0..POOL {
        let x = s.next();
        words.push(imp::Word {
            label: (x & 0xFF) as u8,
            sdi: ((x >> 8) & 3) as u8,
            data: ((x >> 10) & 0x7_FFFF) as u32,
            ssm: imp::ssm((x >> 29) & 3),
        });
        flips.push(if (x >> 32) & 7 == 0 { 1u32 << ((x >> 35) & 31) } else { 0 });
    }
    let (mut h, mut hp) = (FOLD_INIT, FOLD_INIT);
    let t0 = std::time::Instant::now();
    for i in 0..n {
        let j = (i as usize) & (POOL - 1);
        let raw = imp::encode(words[j]);
        let low = match imp::decode(raw ^ flips[j]) {
            Ok(d) => u64::from(d.label) | u64::from(d.sdi) << 8 | u64::from(d.data) << 10 | (d.ssm as u64) << 29,
            Err(code) => 0x8000_0000 | u64::from(code),
        };
        h = fold(h, u64::from(raw) << 32 | low);
        if i + 1 == prefix {
            hp = h;
        }
    }
    let ns = t0.elapsed().as_nanos();
    report(n, ns, h, prefix, hp);
}
