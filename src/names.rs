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

/// The id of a value a policy file declares for itself (a local funder, a local refusal code):
/// snake_case ASCII (lowercase letters, digits and `_`, starting with a letter), 1 to
/// [`LocalId::MAX_LEN`] bytes, held inline so that the values that carry one stay `Copy` and an
/// assessment naming one allocates nothing.
///
/// ```
/// use urrbmi::LocalId;
/// let id = LocalId::new("village_collective").unwrap();
/// assert_eq!(id.as_str(), "village_collective");
/// assert!(LocalId::new("村集体").is_none(), "ids are snake_case; Chinese names are the declaration's `name`");
/// assert!(LocalId::new("Village").is_none());
/// ```
// Field order matters: the bytes, zero-padded, compare as the text does.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId {
    bytes: [u8; LocalId::MAX_LEN],
    len: u8,
}

impl LocalId {
    /// The longest id, in bytes.
    pub const MAX_LEN: usize = 23;

    /// No id (an unused slot).
    pub(crate) const EMPTY: LocalId = LocalId {
        bytes: [0; LocalId::MAX_LEN],
        len: 0,
    };

    /// The id, if `text` is one: snake_case ASCII starting with a letter, at most
    /// [`LocalId::MAX_LEN`] bytes (surrounding spaces are not trimmed).
    pub fn new(text: &str) -> Option<LocalId> {
        let raw = text.as_bytes();
        let snake = raw.first().is_some_and(u8::is_ascii_lowercase)
            && raw
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        if !snake || raw.len() > LocalId::MAX_LEN {
            return None;
        }
        let mut bytes = [0u8; LocalId::MAX_LEN];
        bytes.get_mut(..raw.len())?.copy_from_slice(raw);
        Some(LocalId {
            bytes,
            len: u8::try_from(raw.len()).ok()?,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        let used = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        std::str::from_utf8(used).unwrap_or_default()
    }
}

impl std::fmt::Debug for LocalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl std::fmt::Display for LocalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values of an open set ([`named_enum!`] with `open`): the built-in ones, and ids a policy
/// declares.
pub(crate) trait Open: Named {
    /// The value a policy declares under `id`.
    fn local(id: LocalId) -> Self;
}

/// Reads a value of an open set: a built-in name, else a snake_case id (which the policy must
/// declare: loading and the golden cases check it).
pub(crate) fn parse_open<T: Open>(text: &str) -> Result<T, NameError> {
    match parse::<T>(text) {
        Ok(value) => Ok(value),
        Err(mut error) => match LocalId::new(text.trim()) {
            Some(id) => Ok(T::local(id)),
            None => {
                error.accepted.push(format!(
                    "or the snake_case id (at most {} bytes) of one the policy declares",
                    LocalId::MAX_LEN
                ));
                Err(error)
            }
        },
    }
}

/// Every name a value of `T` is read from, with its id: the id itself and each other name.
pub(crate) fn names_of<T: Named>() -> impl Iterator<Item = (&'static str, &'static str)> {
    T::NAMES.iter().flat_map(|(_, id, others)| {
        std::iter::once((*id, *id)).chain(others.iter().map(move |other| (*id, *other)))
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
    // An open set: the built-in values of the table, and `Local(LocalId)` for one a policy
    // declares (`[[funder]]`, `[[refusal_code]]`). Still `Copy`; `id()` borrows from the value.
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) open {
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
            /// A value the policy file declares itself, by its snake_case id.
            Local($crate::names::LocalId),
        }

        impl $name {
            /// Every built-in value, in the order of the data contract (a policy may declare
            /// more: [`Self::Local`]).
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The snake_case id (what files and JSON write).
            pub fn id(&self) -> &str {
                match self {
                    $( $name::$variant => $id, )+
                    $name::Local(id) => id.as_str(),
                }
            }

            /// The Chinese name (for a value the policy declares, its id: the name is in the
            /// policy's declaration).
            pub fn chinese(&self) -> &str {
                match self {
                    $( $name::$variant => $chinese, )+
                    $name::Local(id) => id.as_str(),
                }
            }

            /// Whether this is one of the built-in values (not [`Self::Local`]).
            pub fn is_builtin(&self) -> bool {
                !matches!(self, $name::Local(_))
            }
        }

        impl $crate::names::Named for $name {
            const WHAT: &'static str = $what;
            const NAMES: &'static [(Self, &'static str, &'static [&'static str])] =
                &[$( ($name::$variant, $id, &[$chinese $(, $alias)*]), )+];
        }

        impl $crate::names::Open for $name {
            fn local(id: $crate::names::LocalId) -> Self {
                $name::Local(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::NameError;

            /// Reads the id or any of the Chinese names, else a snake_case id that a policy
            /// declares; the error lists what is accepted.
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $crate::names::parse_open(text)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.id())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::names::deserialize_open(deserializer)
            }
        }
    };
}
pub(crate) use named_enum;

/// Deserializes a value of an open set with [`parse_open`].
pub(crate) fn deserialize_open<'de, D: Deserializer<'de>, T: Open>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct OpenVisitor<T>(std::marker::PhantomData<T>);

    impl<T: Open> Visitor<'_> for OpenVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                f,
                "a {} name such as `{}`, or the id of one the policy declares",
                T::WHAT,
                T::NAMES.first().map_or("", |n| n.1)
            )
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            parse_open(v).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(OpenVisitor(std::marker::PhantomData))
}

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
