#![allow(dead_code)]
//! Shared by the Rust benchmark drivers: splitmix64, the checksum fold, the
//! arguments and the report line (the same as kernels/c/common.h).

pub const POOL: usize = 16384;
pub const ERR_TAG: u64 = 0x8000_0000_0000_0000;
pub const FOLD_INIT: u64 = 0xCBF2_9CE4_8422_2325;

pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[inline(always)]
pub fn fold(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x100_0000_01B3)
}

pub fn args() -> (u64, u64) {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 3 {
        eprintln!("usage: {} N PREFIX", a[0]);
        std::process::exit(2);
    }
    (a[1].parse().expect("N"), a[2].parse().expect("PREFIX"))
}

pub fn report(n: u64, ns: u128, h: u64, prefix: u64, hp: u64) {
    println!("n={} ns={} checksum={:016x} prefix_n={} prefix_checksum={:016x}", n, ns, h, prefix, hp);
}
