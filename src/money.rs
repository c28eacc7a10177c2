//! Money: yuan as [`Decimal`], read exactly and rounded to the fen by one rule.
//!
//! # Rounding
//!
//! A subsidy given as a share of the personal standard is rounded **to the fen (0.01 yuan),
//! half away from zero**, part by part ([`round_to_fen`]). The resident owes the charge minus
//! the rounded subsidies, so `owed + subsidies == charged` holds exactly whatever the rounding.
//!
//! ```
//! use rust_decimal::Decimal;
//! use urrbmi::money::round_to_fen;
//! // one third of 281 yuan is 93.666..., rounded to 93.67
//! assert_eq!(round_to_fen(Decimal::from(281) / Decimal::from(3)), Decimal::new(9367, 2));
//! // exactly half a fen rounds away from zero
//! assert_eq!(round_to_fen(Decimal::new(1005, 3)), Decimal::new(101, 2));
//! ```

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer, Visitor};

/// Rounds an amount of yuan to the fen, half away from zero (the crate's one rounding rule).
pub fn round_to_fen(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `percent`% of `amount`, rounded to the fen; `None` if the product leaves `Decimal`'s range
/// (only for amounts no policy can hold: loading refuses amounts above a million yuan).
pub fn share_of(amount: Decimal, percent: Decimal) -> Option<Decimal> {
    amount
        .checked_mul(percent)
        .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
        .map(round_to_fen)
}

/// An amount for a report: rounded to the fen, two decimals, thousands separated by `,`.
///
/// ```
/// use rust_decimal::Decimal;
/// assert_eq!(urrbmi::money::format_yuan(Decimal::new(-123456789, 2)), "-1,234,567.89");
/// assert_eq!(urrbmi::money::format_yuan(Decimal::from(280)), "280.00");
/// ```
pub fn format_yuan(amount: Decimal) -> String {
    let text = format!("{:.2}", round_to_fen(amount));
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac}")
}

/// The canonical form of an amount: rounded to the fen, trailing zeros removed (`280`, `93.67`).
pub(crate) fn canonical(amount: Decimal) -> Decimal {
    round_to_fen(amount).normalize()
}

/// Reads money from a TOML/JSON integer (`280`) or a decimal string (`"93.67"`).
///
/// Floats are refused: `0.1` cannot be held exactly by a float, and money must be exact.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    deserializer.deserialize_any(MoneyVisitor)
}

/// Like [`deserialize`], for a value that may be `null`.
pub(crate) fn deserialize_nullable<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    struct Nullable;

    impl<'de> Visitor<'de> for Nullable {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an amount in yuan, or null")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            deserialize(d).map(Some)
        }
    }

    deserializer.deserialize_option(Nullable)
}

/// Like [`deserialize`], for an optional value.
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Decimal>, D::Error> {
    deserialize(deserializer).map(Some)
}

/// Reads an amount written as a decimal string, exactly: an optional `-`, digits, and at most
/// one `.` followed by digits. Scientific notation, separators and anything `Decimal` would have
/// to round are refused (`None`); a negative zero reads as zero.
pub(crate) fn parse_amount(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let amount = Decimal::from_str_exact(text).ok()?;
    Some(if amount.is_zero() {
        Decimal::ZERO
    } else {
        amount
    })
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an amount in yuan as an integer (280) or a decimal string (\"93.67\")")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        Err(E::custom(format_args!(
            "the amount {v} is written as a float; write money as an integer (280) or a quoted decimal string (\"{v}\") so it is exact"
        )))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_amount(v).ok_or_else(|| {
            E::custom(format_args!(
                "`{}` is not an amount; expected a decimal number of yuan such as \"280\" or \"93.67\" (digits, an optional `-` and one `.`; no exponent, at most 28 significant digits)",
                crate::error::shown(v)
            ))
        })
    }
}
