//! Contract objects (a resident, a held category, a special circumstance) are read from JSON or
//! TOML objects with named fields only. serde's derive would also read a positional array
//! (`["1980-01-01", "local", ...]`), so a value in the wrong place would silently become
//! another field; [`object_only!`] closes that door.

/// Implements `Serialize` and `Deserialize` for a struct whose derives carry
/// `#[serde(remote = "Self")]`: serializing as derived, and deserializing from an object
/// (map) only, with `$expecting` in the error for anything else.
macro_rules! object_only {
    ($type:ty, $expecting:literal) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$type>::serialize(self, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Object;

                impl<'de> serde::de::Visitor<'de> for Object {
                    type Value = $type;

                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$type, A::Error> {
                        <$type>::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    }
                }

                deserializer.deserialize_map(Object)
            }
        }
    };
}

pub(crate) use object_only;
