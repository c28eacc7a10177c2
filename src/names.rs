//! The closed sets of named values (hukou, student kinds, enrollment, special circumstances,
//! funders, refusal codes, the policy format's enums): one table per enum gives its ids, its
//! Chinese name and the other names accepted for it, and from that table [`named_enum!`] makes
//! `ALL`, `id()`, `chinese()`, `Display`, `FromStr` and serde, so there is one way to name each
//! value. An unknown name is a [`NameError`](crate::error::NameError) with a "did you mean" and
//! the accepted names.

use serde::Deserializer;
use serde::de::{self, Visitor};

use crate::error::NameError;

/// A closed set of named values (made by [`named_enum!`]).
pub(crate) trait Named: Sized + Copy + 'static {
    /// What the values are, for messages ("special circumstance").
    const WHAT: &'static str;
    /// Each value with its id and its other accepted names (the Chinese name first).
    const NAMES: &'static [(Self, &'static str, &'static [&'static str])];
}

/// Reads a value of `T` from its id or one of its other names (surrounding spaces ignored).
pub(crate) fn parse<T: Named>(text: &str) -> Result<T, NameError> {
    let trimmed = text.trim();
    if let Some((value, _, _)) = T::NAMES
        .iter()
        .find(|(_, id, others)| *id == trimmed || others.contains(&trimmed))
    {
        return Ok(*value);
    }
    let ids = T::NAMES.iter().map(|(_, id, _)| *id);
    Err(NameError {
        what: T::WHAT,
        text: crate::error::shown(text),
        suggestion: crate::suggest::closest(trimmed, ids),
        accepted: T::NAMES
            .iter()
            .map(|(_, id, others)| match others.first() {
                Some(chinese) => format!("{id} ({chinese})"),
                None => (*id).to_string(),
            })
            .collect(),
    })
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

/// Defines an enum of named values from one table:
///
/// ```text
/// named_enum! {
///     /// docs
///     pub enum Hukou ("hukou") {
///         /// docs
///         Local => "local", "本地户籍", "本地";
///         Other => "other", "外地户籍", "外地";
///     }
/// }
/// ```
///
/// Each row is the variant, its snake_case id, its Chinese name, and any other names accepted.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $id:literal, $chinese:literal $(, $alias:literal)* ;
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the data contract.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The snake_case id (what files and JSON write).
            pub const fn id(self) -> &'static str {
                match self {
                    $( $name::$variant => $id, )+
                }
            }

            /// The Chinese name.
            pub const fn chinese(self) -> &'static str {
                match self {
                    $( $name::$variant => $chinese, )+
                }
            }
        }

        impl $crate::names::Named for $name {
            const WHAT: &'static str = $what;
            const NAMES: &'static [(Self, &'static str, &'static [&'static str])] =
                &[$( ($name::$variant, $id, &[$chinese $(, $alias)*]), )+];
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::NameError;

            /// Reads the id or any of the Chinese names; the error lists what is accepted.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::names::parse(text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.id())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::names::deserialize(deserializer)
            }
        }
    };
}
pub(crate) use named_enum;

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
