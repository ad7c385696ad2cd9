//! Driver: infusion dose -> pump rate over N orders (see
//! kernels/c/bench_infusion.c for the inputs). `--cfg upel_gen` uses the
//! generated medtech_infusion module, otherwise the hand-written one.

mod bench_common;
use bench_common::*;

#[cfg(upel_gen)]
mod upel_rt;
#[cfg(upel_gen)]
mod medtech_infusion;
#[cfg(upel_gen)]
mod imp {
    use crate::medtech_infusion as m;
    pub type Order = m::Order;
    pub fn order(dose: u32, weight: u32, conc: u32, lim: [u32; 4], soft_override: bool) -> Order {
        m::Order {
            dose: m::DoseRate(dose),
            weight: m::WeightG(weight),
            concentration: m::ConcUgMl(conc),
            limits: m::DoseLimits { hard_min: m::DoseRate(lim[0]), soft_min: m::DoseRate(lim[1]), soft_max: m::DoseRate(lim[2]), hard_max: m::DoseRate(lim[3]) },
            soft_override,
        }
    }
    #[inline(always)]
    pub fn program(o: &Order) -> Result<(u32, u8), u16> {
        m::program_infusion(o).map(|p| (p.rate.0, p.alert as u8)).map_err(|e| e.code())
    }
}

#[cfg(not(upel_gen))]
mod infusion;
#[cfg(not(upel_gen))]
mod imp {
    use crate::infusion as m;
    pub type Order = m::Order;
    pub fn order(dose: u32, weight: u32, concentration: u32, lim: [u32; 4], soft_override: bool) -> Order {
        let limits = m::Limits { hard_min: lim[0], soft_min: lim[1], soft_max: lim[2], hard_max: lim[3] };
        m::Order { dose, weight, concentration, limits, soft_override }
    }
    #[inline(always)]
    pub fn program(o: &Order) -> Result<(u32, u8), u16> {
        m::program_infusion(o).map(|p| (p.rate, p.alert as u8)).map_err(|e| e as u16)
    }
}

fn main() {
    let (n, prefix) = args();
    let mut s = SplitMix(0x1F05E);
    let mut orders = Vec::with_capacity(POOL);
    for _ in 0..POOL {
        let (x, y, z, w) = (s.next(), s.next(), s.next(), s.next());
        let dose = if (x >> 20) & 1 != 0 { (x >> 21) % 6001 } else { (x >> 21) % 100_001 } as u32;
        let weight = (500 + y % 299_501) as u32;
        let conc = if z & 1 != 0 { 1600 } else { (1 + (z >> 1) % 100_000) as u32 };
        let lim = if w & 7 != 0 {
            [50, 200, 2000, 5000]
        } else {
            let a = ((w >> 8) % 100_001) as u32;
            let b = ((w >> 25) % 100_001) as u32;
            let c = (s.next() % 100_001) as u32;
            [a, b, c, (s.next() % 100_001) as u32]
        };
        orders.push(imp::order(dose, weight, conc, lim, (w >> 3) & 1 != 0));
    }
    let (mut h, mut hp) = (FOLD_INIT, FOLD_INIT);
    let t0 = std::time::Instant::now();
    for i in 0..n {
        let v = match imp::program(&orders[(i as usize) & (POOL - 1)]) {
            Ok((rate, alert)) => u64::from(rate) | u64::from(alert) << 16,
            Err(code) => ERR_TAG | u64::from(code),
        };
        h = fold(h, v);
        if i + 1 == prefix {
            hp = h;
        }
    }
    let ns = t0.elapsed().as_nanos();
    report(n, ns, h, prefix, hp);
}
