//! Driver: fintech posting + interest over N entries (see
//! kernels/c/bench_ledger.c for the inputs). `--cfg upel_gen` uses the
//! generated fintech_ledger module, otherwise the hand-written one.

mod bench_common;
use bench_common::*;

/// One generated leg: (account, credit?, amount).
type RawLeg = (u32, bool, i64);

#[cfg(upel_gen)]
mod upel_rt;
#[cfg(upel_gen)]
mod fintech_money;
#[cfg(upel_gen)]
mod fintech_ledger;
#[cfg(upel_gen)]
mod imp {
    use crate::fintech_ledger as l;
    use crate::fintech_money as m;
    pub type Account = l::Account;
    pub type Posting = l::Posting;
    pub fn account(id: u32, cur: u16, credit: bool, balance: i64, floor: i64) -> Account {
        l::Account { id, currency: m::Currency::from_value(cur as i128).unwrap(), normal_side: dir(credit), balance: m::Cents(balance), floor: m::Cents(floor) }
    }
    fn dir(credit: bool) -> l::Direction {
        if credit { l::Direction::credit } else { l::Direction::debit }
    }
    pub fn posting(id: u64, cur: u16, leg_count: u8, legs: [super::RawLeg; 4]) -> Posting {
        let leg = |x: super::RawLeg| l::Leg { account: x.0, direction: dir(x.1), amount: m::Cents(x.2) };
        l::Posting { id, currency: m::Currency::from_value(cur as i128).unwrap(), leg_count, legs: [leg(legs[0]), leg(legs[1]), leg(legs[2]), leg(legs[3])] }
    }
    #[inline(always)]
    pub fn post(a: &Account, p: &Posting) -> Result<i64, u16> {
        l::apply_posting(a, p).map(|r| r.balance.0).map_err(|e| e.code())
    }
    #[inline(always)]
    pub fn interest(b: i64, r: u16, d: u16) -> Result<i64, u16> {
        l::daily_interest(m::Cents(b), l::AnnualRateBp(r), l::DayCount(d)).map(|c| c.0).map_err(|e| e.code())
    }
}

#[cfg(not(upel_gen))]
mod ledger;
#[cfg(not(upel_gen))]
mod imp {
    use crate::ledger as l;
    pub type Account = l::Account;
    pub type Posting = l::Posting;
    fn cur(c: u16) -> l::Currency {
        match c {
            756 => l::Currency::Chf,
            826 => l::Currency::Gbp,
            840 => l::Currency::Usd,
            978 => l::Currency::Eur,
            _ => l::Currency::Jpy,
        }
    }
    fn dir(credit: bool) -> l::Direction {
        if credit { l::Direction::Credit } else { l::Direction::Debit }
    }
    pub fn account(id: u32, c: u16, credit: bool, balance: i64, floor: i64) -> Account {
        l::Account { id, currency: cur(c), normal_side: dir(credit), balance, floor }
    }
    pub fn posting(id: u64, c: u16, leg_count: u8, legs: [super::RawLeg; 4]) -> Posting {
        let leg = |x: super::RawLeg| l::Leg { account: x.0, direction: dir(x.1), amount: x.2 };
        l::Posting { id, currency: cur(c), leg_count, legs: [leg(legs[0]), leg(legs[1]), leg(legs[2]), leg(legs[3])] }
    }
    #[inline(always)]
    pub fn post(a: &Account, p: &Posting) -> Result<i64, u16> {
        l::apply_posting(*a, p).map(|r| r.balance).map_err(|e| e as u16)
    }
    #[inline(always)]
    pub fn interest(b: i64, r: u16, d: u16) -> Result<i64, u16> {
        l::daily_interest(b, r, d).map_err(|e| e as u16)
    }
}

const CUR: [u16; 5] = [756, 826, 840, 978, 392];

fn main() {
    let (n, prefix) = args();
    let mut s = SplitMix(0x1ED6E5);
    let (mut accounts, mut postings, mut rates, mut days) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..POOL {
        let x = s.next();
        let id = (1 + (x & 3)) as u32;
        let cur = CUR[(((x >> 2) & 0xFF) % 5) as usize];
        let y = s.next();
        let balance = match (x >> 11) & 15 {
            0 => i64::MAX - (y % 3_000_000_000) as i64,
            1 => i64::MIN + (y % 3_000_000_000) as i64,
            _ => (y % 2_000_000_000_001) as i64 - 1_000_000_000_000,
        };
        let floor = if (x >> 15) & 1 != 0 { 0 } else { -(((x >> 16) % 1_000_000_000) as i64) };
        accounts.push(imp::account(id, cur, (x >> 10) & 1 != 0, balance, floor));
        let pid = s.next();
        let pcur = if (x >> 46) & 31 != 0 { cur } else { CUR[((x >> 51) % 5) as usize] };
        let z = s.next();
        let leg_count = if (z >> 3) & 15 == 0 { (z & 7) as u8 } else { (2 + (z >> 7) % 3) as u8 };
        let used = leg_count.min(4) as usize;
        let mut legs: [RawLeg; 4] = [(0, false, 0); 4];
        let (mut debits, mut credits) = (0i64, 0i64);
        for k in 0..used {
            let r = s.next();
            let account = (1 + ((r >> 32) & 3)) as u32;
            if k > 0 && k == used - 1 {
                let credit = debits >= credits;
                legs[k] = (account, credit, if credit { debits - credits } else { credits - debits });
            } else {
                let credit = if k == 0 { false } else if k == 1 { true } else { (r >> 40) & 1 != 0 };
                let amount = 1 + (r % 1_000_000_000) as i64;
                legs[k] = (account, credit, amount);
                if credit { credits += amount } else { debits += amount }
            }
        }
        let w = s.next();
        let k = ((w >> 5) & 3) as usize;
        match w & 31 {
            0 => legs[k].2 = if k < used { 0 } else { 5 },
            1 => legs[k].2 = 1_000_000_000_000_001,
            2 => legs[k].2 += 1,
            3 => legs[k].2 = -legs[k].2,
            _ => {}
        }
        postings.push(imp::posting(pid, pcur, leg_count, legs));
        rates.push((s.next() % 10001) as u16);
        days.push((s.next() % 367) as u16);
    }
    let (mut h, mut hp) = (FOLD_INIT, FOLD_INIT);
    let t0 = std::time::Instant::now();
    for i in 0..n {
        let j = (i as usize) & (POOL - 1);
        match imp::post(&accounts[j], &postings[j]) {
            Err(code) => h = fold(h, ERR_TAG | u64::from(code)),
            Ok(balance) => {
                h = fold(h, balance as u64);
                h = fold(h, match imp::interest(balance, rates[j], days[j]) {
                    Ok(v) => v as u64,
                    Err(code) => ERR_TAG | u64::from(code),
                });
            }
        }
        if i + 1 == prefix {
            hp = h;
        }
    }
    let ns = t0.elapsed().as_nanos();
    report(n, ns, h, prefix, hp);
}
