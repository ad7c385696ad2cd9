//! Hand-written ARINC 429 word encode/decode, in the idiom of a Rust
//! avionics programmer: a Copy struct, an enum for the SSM, count_ones for
//! the parity, Result with an error enum. Same function as
//! avionics.arinc429 encode / decode.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Ssm {
    FailureWarning = 0,
    NoComputedData = 1,
    FunctionalTest = 2,
    Normal = 3,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Word {
    pub label: u8,
    pub sdi: u8,
    pub data: u32,
    pub ssm: Ssm,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u16)]
pub enum ArincError {
    ParityError = 16,
}

pub fn encode(w: Word) -> u32 {
    let body = u32::from(w.label) | u32::from(w.sdi) << 8 | w.data << 10 | (w.ssm as u32) << 29;
    body | ((body.count_ones() & 1) ^ 1) << 31
}

pub fn decode(raw: u32) -> Result<Word, ArincError> {
    if raw.count_ones() & 1 == 0 {
        return Err(ArincError::ParityError);
    }
    let ssm = match (raw >> 29) & 3 {
        0 => Ssm::FailureWarning,
        1 => Ssm::NoComputedData,
        2 => Ssm::FunctionalTest,
        _ => Ssm::Normal,
    };
    Ok(Word { label: raw as u8, sdi: ((raw >> 8) & 3) as u8, data: (raw >> 10) & 0x7_FFFF, ssm })
}
