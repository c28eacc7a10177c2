//! Reading the closed sets of names (funders, hukou, student kinds, enrollment, special
//! circumstances) from their snake_case ids or Chinese names, with a "did you mean" on a typo.

use serde::Deserializer;
use serde::de::{self, Visitor};

/// A closed set of named values.
pub(crate) trait Named: Sized + Copy + 'static {
    /// What the values are, for messages ("special circumstance").
    const WHAT: &'static str;
    /// Each value with its id and its other accepted names.
    const NAMES: &'static [(Self, &'static str, &'static [&'static str])];
}

/// Reads a value of `T` from its id or one of its other names.
pub(crate) fn parse<T: Named>(text: &str) -> Result<T, String> {
    let text = text.trim();
    if let Some((value, _, _)) = T::NAMES
        .iter()
        .find(|(_, id, others)| *id == text || others.contains(&text))
    {
        return Ok(*value);
    }
    let ids = T::NAMES.iter().map(|(_, id, _)| *id);
    let suggestion = crate::suggest::closest(text, ids.clone())
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(format!(
        "unknown {} `{text}`{suggestion}; accepted: {}",
        T::WHAT,
        ids.collect::<Vec<_>>().join(", ")
    ))
}

/// Deserializes a value of `T` with [`parse`].
pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Named>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct NameVisitor<T>(std::marker::PhantomData<T>);

    impl<T: Named> Visitor<'_> for NameVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                f,
                "a {} name such as `{}`",
                T::WHAT,
                T::NAMES.first().map_or("", |n| n.1)
            )
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            parse(v).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(NameVisitor(std::marker::PhantomData))
}

/// Implements `Deserialize` through [`Named`].
macro_rules! deserialize_by_name {
    ($type:ty) => {
        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::names::deserialize(deserializer)
            }
        }
    };
}
pub(crate) use deserialize_by_name;

/// Reads an optional list of names that may also be written as a single name (`"first_time"`
/// or `["renewal", "first_time"]`).
pub(crate) fn one_or_many<'de, D: Deserializer<'de>, T: Named>(
    deserializer: D,
) -> Result<Option<Vec<T>>, D::Error> {
    struct ListVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Named> Visitor<'de> for ListVisitor<T> {
        type Value = Option<Vec<T>>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a {} name, or a list of them", T::WHAT)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            parse(v).map(|value| Some(vec![value])).map_err(E::custom)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                out.push(parse(&name).map_err(de::Error::custom)?);
            }
            Ok(Some(out))
        }
    }

    deserializer.deserialize_any(ListVisitor(std::marker::PhantomData))
}
