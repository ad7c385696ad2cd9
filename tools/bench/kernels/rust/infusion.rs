//! Hand-written infusion programming (dose -> pump rate), in the idiom of
//! a Rust medical-device programmer. Same function as medtech.infusion
//! program_infusion (error codes and their order included).

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub hard_min: u32,
    pub soft_min: u32,
    pub soft_max: u32,
    pub hard_max: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct Order {
    pub dose: u32,          // 0..=100_000, 0.01 ug/kg/min
    pub weight: u32,        // 500..=300_000 g
    pub concentration: u32, // 1..=100_000 ug/mL
    pub limits: Limits,
    pub soft_override: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Alert {
    None = 0,
    SoftLow = 1,
    SoftHigh = 2,
}

#[derive(Clone, Copy, Debug)]
pub struct Programmed {
    pub rate: u32, // 0.1 mL/h
    pub alert: Alert,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u16)]
pub enum InfusionError {
    DoseAboveHardLimit = 16,
    DoseBelowHardLimit = 17,
    RateAbovePumpMax = 18,
    RateBelowResolution = 19,
    SoftLimitNotConfirmed = 20,
    InvalidLimits = 21,
}

pub fn program_infusion(o: &Order) -> Result<Programmed, InfusionError> {
    let l = &o.limits;
    if !(l.hard_min <= l.soft_min && l.soft_min <= l.soft_max && l.soft_max <= l.hard_max) {
        return Err(InfusionError::InvalidLimits);
    }
    let alert = if o.dose > l.hard_max {
        return Err(InfusionError::DoseAboveHardLimit);
    } else if o.dose < l.hard_min {
        return Err(InfusionError::DoseBelowHardLimit);
    } else if o.dose > l.soft_max || o.dose < l.soft_min {
        if !o.soft_override {
            return Err(InfusionError::SoftLimitNotConfirmed);
        }
        if o.dose > l.soft_max { Alert::SoftHigh } else { Alert::SoftLow }
    } else {
        Alert::None
    };
    // dose <= 10^5 and weight <= 3 * 10^5: dose * weight * 6 < 2^40, no overflow
    let numerator = u64::from(o.dose) * u64::from(o.weight) * 6;
    let denominator = u64::from(o.concentration) * 1000;
    let rate = (numerator + denominator / 2) / denominator;
    if rate > 9_999 {
        Err(InfusionError::RateAbovePumpMax)
    } else if rate == 0 {
        Err(InfusionError::RateBelowResolution)
    } else {
        Ok(Programmed { rate: rate as u32, alert })
    }
}
