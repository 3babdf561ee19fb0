//! Unit enums stored as their lowercase name. A serde derive costs the worker over 2 KB of Wasm for each; read
//! through their text, they share one reader.

use serde::de::{Deserialize, Deserializer, Error};

/// An enum of unit variants, each stored as its name.
pub trait Named: Copy + 'static {
    const ALL: &'static [Self];
    fn as_str(self) -> &'static str;
}

/// Reads a [`Named`] enum from its name.
pub fn deserialize<'de, T: Named, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    T::ALL.iter().copied().find(|v| v.as_str() == text).ok_or_else(|| D::Error::custom(format!("unknown value `{text}`")))
}

/// Implements `Deserialize` for [`Named`] enums.
macro_rules! deserialize_by_name {
    ($($t:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::core::named::deserialize(d)
            }
        }
    )*};
}
pub(crate) use deserialize_by_name;

#[cfg(test)]
mod tests {
    use crate::core::comment::CommentStatus;
    use crate::core::post::{CommentsPolicy, Kind};

    #[test]
    fn each_name_reads_back_and_an_unknown_one_is_refused() {
        for status in CommentStatus::ALL {
            assert_eq!(serde_json::from_str::<CommentStatus>(&serde_json::to_string(&status).unwrap()).unwrap(), status);
        }
        assert_eq!(serde_json::from_str::<Kind>("\"page\"").unwrap(), Kind::Page);
        assert_eq!(serde_json::from_str::<CommentsPolicy>("\"closed\"").unwrap(), CommentsPolicy::Closed);
        let error = serde_json::from_str::<Kind>("\"Post\"").unwrap_err().to_string();
        assert!(error.contains("unknown value `Post`"), "{error}");
    }
}
