//! Amounts as data: the canonical text of an amount (`280`, `93.67`) for CSV cells, table
//! cells and JSON. Reports show amounts with [`urrbmi::money::format_yuan`] (`280.00`,
//! `1,204.50`); nothing else in the crate formats money.

use rust_decimal::Decimal;

/// An amount rounded to the fen with no trailing zeros (`280`, `93.67`): the form of the
/// `assess` contract.
pub(crate) fn canonical(amount: Decimal) -> Decimal {
    urrbmi::money::round_to_fen(amount).normalize()
}

/// A number of fen (0.01 yuan) as yuan, without trailing zeros (`14000` → `140`). A sum beyond
/// Decimal's range (7.9e26 yuan) would need more residents than exist; it saturates rather
/// than panics.
pub(crate) fn from_fen(fen: i128) -> Decimal {
    Decimal::try_from_i128_with_scale(fen, 2)
        .unwrap_or(if fen < 0 { Decimal::MIN } else { Decimal::MAX })
        .normalize()
}

/// The [`canonical`] text of an amount.
pub(crate) fn canonical_text(amount: Decimal) -> String {
    canonical(amount).to_string()
}

/// Serializes an amount in its [`canonical`] form, as a string.
pub(crate) mod canonical_str {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&super::canonical(*amount))
    }
}

/// Serializes an optional amount in its [`canonical`] form, as a string or `null`.
pub(crate) mod canonical_opt {
    use rust_decimal::Decimal;
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(
        amount: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match amount {
            Some(d) => s.collect_str(&super::canonical(*d)),
            None => s.serialize_none(),
        }
    }
}
