//! Integers in JSON request bodies, read as JSON Schema reads them: `131`, `131.0` and
//! `1.31e2` are the same integer, so generated clients and fuzzers that write integral
//! numbers in float form agree with the server. A number with a fractional part (`131.5`)
//! or out of the field's range is still unreadable (400 `malformed_request`).
//!
//! Every integer field of a request DTO uses one of these (and integer query parameters
//! `optional_in_query`):
//! `#[serde(default, deserialize_with = "integral::optional")] pub days: Option<u32>` or
//! `#[serde(deserialize_with = "integral::required")] pub count: u32`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// A required integer field.
pub fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    deserializer.deserialize_any(Integral(PhantomData))
}

/// An optional integer field (absent or `null` → `None`); pair it with `#[serde(default)]`.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    struct Whole<T>(T);
    impl<'de, T: TryFrom<i64> + TryFrom<u64>> Deserialize<'de> for Whole<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            required(d).map(Whole)
        }
    }
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|w| w.0))
}

/// An optional integer query parameter (`?limit=50` or `?limit=50.0`): a query string's
/// values are text, read here by the same rule as JSON numbers (no quotes, nothing else).
pub fn optional_in_query<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + TryFrom<u64>,
{
    struct Whole<T>(T);
    impl<'de, T: TryFrom<i64> + TryFrom<u64>> Deserialize<'de> for Whole<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_str(InQuery(PhantomData)).map(Whole)
        }
    }
    Ok(Option::<Whole<T>>::deserialize(deserializer)?.map(|w| w.0))
}

struct InQuery<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for InQuery<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        let number = Integral::<T>(PhantomData);
        if let Ok(whole) = v.parse::<i64>() {
            return number.visit_i64(whole);
        }
        // Only what JSON would call a number: `f64::from_str` also takes `inf`, `NaN`, `+1`.
        let json_like = v
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
            && v.bytes()
                .next()
                .is_some_and(|b| b == b'-' || b.is_ascii_digit());
        match v.parse::<f64>() {
            Ok(float) if json_like => number.visit_f64(float),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

struct Integral<T>(PhantomData<T>);

impl<T> Integral<T> {
    fn out_of_range<E: de::Error>(&self, shown: &dyn fmt::Display) -> E {
        E::custom(format_args!("integer {shown} is out of range"))
    }
}

impl<'de, T: TryFrom<i64> + TryFrom<u64>> Visitor<'de> for Integral<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| self.out_of_range(&v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| self.out_of_range(&v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // 2^63 is exactly representable; every integral float in [-2^63, 2^63) fits an i64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if !v.is_finite() || v.fract() != 0.0 {
            return Err(E::invalid_type(de::Unexpected::Float(v), &self));
        }
        if !(-LIMIT..LIMIT).contains(&v) {
            return Err(self.out_of_range(&v));
        }
        // Exact: `v` is integral and within i64's range.
        self.visit_i64(v as i64)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::optional")]
        days: Option<u32>,
        #[serde(default, deserialize_with = "super::required")]
        count: i64,
    }

    #[derive(Debug, Deserialize)]
    struct Params {
        #[serde(default, deserialize_with = "super::optional_in_query")]
        limit: Option<i64>,
    }

    #[test]
    fn query_integers_are_read_by_the_same_rule() {
        let limit = |q: &str| serde_urlencoded::from_str::<Params>(q).map(|p| p.limit);
        assert_eq!(limit("").unwrap(), None);
        assert_eq!(limit("limit=50").unwrap(), Some(50));
        assert_eq!(limit("limit=50.0").unwrap(), Some(50));
        assert_eq!(limit("limit=5e1").unwrap(), Some(50));
        assert_eq!(limit("limit=-3").unwrap(), Some(-3));
        for bad in [
            "limit=",
            "limit=50.5",
            "limit=inf",
            "limit=NaN",
            "limit=+5",
            "limit=x",
            "limit=%2050",
        ] {
            assert!(limit(bad).is_err(), "{bad}");
        }
    }

    fn days(json: &str) -> Result<Option<u32>, serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| b.days)
    }

    #[test]
    fn integral_numbers_are_read_in_either_form() {
        assert_eq!(days(r#"{"days": 131}"#).unwrap(), Some(131));
        assert_eq!(days(r#"{"days": 131.0}"#).unwrap(), Some(131));
        assert_eq!(days(r#"{"days": 1.31e2}"#).unwrap(), Some(131));
        assert_eq!(days(r#"{"days": -0.0}"#).unwrap(), Some(0));
        assert_eq!(days(r#"{"days": null}"#).unwrap(), None);
        assert_eq!(days(r#"{}"#).unwrap(), None);
        let b: Body = serde_json::from_str(r#"{"count": -5.0}"#).unwrap();
        assert_eq!(b.count, -5);
    }

    #[test]
    fn fractions_strings_and_out_of_range_values_are_refused() {
        for bad in [
            r#"{"days": 131.5}"#,
            r#"{"days": "131"}"#,
            r#"{"days": -1}"#,
            r#"{"days": -1.0}"#,
            r#"{"days": 4294967296}"#,
            r#"{"days": 4294967296.0}"#,
            r#"{"days": 1e300}"#,
            r#"{"days": true}"#,
        ] {
            assert!(days(bad).is_err(), "{bad}");
        }
    }
}
