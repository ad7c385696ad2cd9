//! Hand-written posting and interest, in the idiom of a Rust payments
//! programmer: Copy structs by value, enums, `checked_add` for the
//! balance, `?`-free early returns with an error enum. Same function as
//! fintech.ledger apply_posting / daily_interest.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    Debit,
    Credit,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u16)]
pub enum Currency {
    Chf = 756,
    Gbp = 826,
    Usd = 840,
    Eur = 978,
    Jpy = 392,
}

#[derive(Clone, Copy, Debug)]
pub struct Leg {
    pub account: u32,
    pub direction: Direction,
    pub amount: i64,
}

#[derive(Clone, Copy, Debug)]
pub struct Posting {
    pub id: u64,
    pub currency: Currency,
    pub leg_count: u8,
    pub legs: [Leg; 4],
}

#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub id: u32,
    pub currency: Currency,
    pub normal_side: Direction,
    pub balance: i64,
    pub floor: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u16)]
pub enum LedgerError {
    TooFewLegs = 16,
    TooManyLegs = 17,
    NonPositiveAmount = 18,
    AmountTooLarge = 19,
    UnusedLegNotEmpty = 20,
    Unbalanced = 21,
    CurrencyMismatch = 22,
    BalanceOverflow = 23,
    BelowFloor = 24,
}

const MAX_LEG_AMOUNT: i64 = 1_000_000_000_000_000;
const MAX_INTEREST_BALANCE: i64 = 1_000_000_000_000;
const INTEREST_DIVISOR: i64 = 3_650_000;

fn validate(p: &Posting) -> Result<i64, LedgerError> {
    if p.leg_count < 2 {
        return Err(LedgerError::TooFewLegs);
    }
    if p.leg_count > 4 {
        return Err(LedgerError::TooManyLegs);
    }
    // every used amount is in 1..=10^15: four of them cannot overflow
    let (mut debits, mut credits) = (0i64, 0i64);
    for (i, leg) in p.legs.iter().enumerate() {
        if i < p.leg_count as usize {
            if leg.amount <= 0 {
                return Err(LedgerError::NonPositiveAmount);
            }
            if leg.amount > MAX_LEG_AMOUNT {
                return Err(LedgerError::AmountTooLarge);
            }
            match leg.direction {
                Direction::Debit => debits += leg.amount,
                Direction::Credit => credits += leg.amount,
            }
        } else if leg.amount != 0 {
            return Err(LedgerError::UnusedLegNotEmpty);
        }
    }
    if debits != credits {
        return Err(LedgerError::Unbalanced);
    }
    Ok(debits)
}

pub fn apply_posting(a: Account, p: &Posting) -> Result<Account, LedgerError> {
    validate(p)?;
    if p.currency != a.currency {
        return Err(LedgerError::CurrencyMismatch);
    }
    let mut acc = a;
    for leg in &p.legs[..p.leg_count as usize] {
        if leg.account != acc.id {
            continue;
        }
        // the amount is positive (validated): its negation cannot overflow
        let delta = if leg.direction == acc.normal_side { leg.amount } else { -leg.amount };
        let balance = acc.balance.checked_add(delta).ok_or(LedgerError::BalanceOverflow)?;
        if balance < acc.floor {
            return Err(LedgerError::BelowFloor);
        }
        acc.balance = balance;
    }
    Ok(acc)
}

/// n / d rounded half to even; d > 0.
fn div_half_even(n: i64, d: i64) -> i64 {
    let (q, r) = (n / d, n % d);
    let twice = r.abs() * 2;
    if twice < d || (twice == d && q % 2 == 0) {
        q
    } else if n < 0 {
        q - 1
    } else {
        q + 1
    }
}

pub fn daily_interest(balance: i64, rate_bp: u16, days: u16) -> Result<i64, LedgerError> {
    if !(-MAX_INTEREST_BALANCE..=MAX_INTEREST_BALANCE).contains(&balance) {
        return Err(LedgerError::AmountTooLarge);
    }
    // |balance| <= 10^12, rate <= 10^4, days <= 366: the product fits an i64
    Ok(div_half_even(balance * i64::from(rate_bp) * i64::from(days), INTEREST_DIVISOR))
}
