//! Date text, written here instead of by chrono's `format` module: strftime, its parsers and `Parsed` cost
//! the worker about 36 KB of Wasm for a handful of fixed forms. Each function writes or reads exactly what
//! the chrono call it replaces did (named in its comment); the tests hold them to chrono.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use std::fmt;

const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `%Y`: four digits, or a sign and at least four digits outside 0–9999.
pub struct Year(pub i32);

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(6);
        push_year(&mut out, self.0);
        f.write_str(&out)
    }
}

// Dates are written by pushing digits rather than through `format!`: a post page writes four on its first
// render, and `core::fmt`'s padding machinery cost about 5,000 instructions a date.

/// Appends `n` in at least `width` digits, zero-padded.
fn push_num(out: &mut String, mut n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let start = start.min(digits.len().saturating_sub(width));
    out.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

fn push_year(out: &mut String, year: i32) {
    if !(0..=9999).contains(&year) {
        out.push(if year < 0 { '-' } else { '+' });
    }
    push_num(out, year.unsigned_abs(), 4);
}

/// `%Y-%m-%d`.
fn push_ymd(out: &mut String, dt: DateTime<Utc>) {
    push_year(out, dt.year());
    out.push('-');
    push_num(out, dt.month(), 2);
    out.push('-');
    push_num(out, dt.day(), 2);
}

/// `%H:%M:%S`; chrono keeps a leap second as nanoseconds past 10⁹, shown as second 60.
fn push_hms(out: &mut String, dt: DateTime<Utc>) {
    push_num(out, dt.hour(), 2);
    out.push(':');
    push_num(out, dt.minute(), 2);
    out.push(':');
    push_num(out, dt.second() + dt.nanosecond() / 1_000_000_000, 2);
}

/// `date`, then `separator`, then `time`, then `end`.
fn write_date_time(dt: DateTime<Utc>, separator: char, end: &str) -> String {
    let mut out = String::with_capacity(20 + end.len());
    push_ymd(&mut out, dt);
    out.push(separator);
    push_hms(&mut out, dt);
    out.push_str(end);
    out
}

/// `format("%Y-%m-%d")`.
pub fn ymd(dt: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(10);
    push_ymd(&mut out, dt);
    out
}

/// `format("%Y-%m-%dT%H:%M:%SZ")`: times as stored in D1, fixed-width UTC text so that string order is time order.
pub fn db_time(dt: DateTime<Utc>) -> String {
    write_date_time(dt, 'T', "Z")
}

/// `format("%Y-%m-%d %H:%M:%S")`, as WordPress writes dates.
pub fn wp_time(dt: DateTime<Utc>) -> String {
    write_date_time(dt, ' ', "")
}

/// `format("%-d %B %Y")`: `1 May 2024`.
pub fn long_date(dt: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(20);
    push_num(&mut out, dt.day(), 1);
    out.push(' ');
    push_month_year(&mut out, dt);
    out
}

/// `format("%B %Y")`: `May 2024`.
pub fn month_year(dt: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(16);
    push_month_year(&mut out, dt);
    out
}

fn push_month_year(out: &mut String, dt: DateTime<Utc>) {
    out.push_str(MONTHS[dt.month0() as usize]);
    out.push(' ');
    push_year(out, dt.year());
}

/// `to_rfc3339()`: `2024-05-01T08:00:00+00:00`.
pub fn rfc3339(dt: DateTime<Utc>) -> String {
    iso(dt, "+00:00")
}

/// RFC 3339 with 3, 6 or 9 fraction digits when the time has a fraction, and the given zone.
fn iso(dt: DateTime<Utc>, zone: &str) -> String {
    let mut out = write_date_time(dt, 'T', "");
    let nano = dt.nanosecond() % 1_000_000_000;
    if nano != 0 {
        out.push('.');
        if nano.is_multiple_of(1_000_000) {
            push_num(&mut out, nano / 1_000_000, 3);
        } else if nano.is_multiple_of(1_000) {
            push_num(&mut out, nano / 1_000, 6);
        } else {
            push_num(&mut out, nano, 9);
        }
    }
    out.push_str(zone);
    out
}

/// `to_rfc2822()`: `Wed, 1 May 2024 08:00:00 +0000`. Like chrono, panics on a year RFC 2822 cannot write.
pub fn rfc2822(dt: DateTime<Utc>) -> String {
    let year = dt.year();
    assert!((0..=9999).contains(&year), "date cannot be represented by RFC 2822");
    let month = &MONTHS[dt.month0() as usize][..3];
    let mut time = String::with_capacity(8);
    push_hms(&mut time, dt);
    format!("{}, {} {month} {year:04} {time} +0000", WEEKDAYS[dt.weekday().num_days_from_monday() as usize], dt.day())
}

/// `DateTime::parse_from_rfc3339`, in UTC: `2024-05-01T10:00:00.5+02:00`; `t` or a space may stand for `T`,
/// `z` for `Z`, and `−` (U+2212) for `-`.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let mut s = Scan(text);
    let year = s.fixed(4)?;
    s.byte(b"-")?;
    let month = s.fixed(2)?;
    s.byte(b"-")?;
    let day = s.fixed(2)?;
    s.byte(b"Tt ")?;
    let hour = s.fixed(2)?;
    s.byte(b":")?;
    let minute = s.fixed(2)?;
    s.byte(b":")?;
    let second = s.fixed(2)?;
    let nano = if s.byte(b".").is_some() { s.nanos()? } else { 0 };
    let offset = s.offset(|s| s.byte(b":").map(drop))?;
    if !s.0.is_empty() {
        return None;
    }
    in_utc(date_time([year, month, day, hour, minute, second], nano)?, offset)
}

/// What chrono's `Deserialize` for `DateTime<Utc>` reads (its `FromStr`): RFC 3339 loosened, with unpadded
/// fields, spaces between them, signed years of any length, `UTC` or an offset without its colon.
pub fn parse_lenient(text: &str) -> Option<DateTime<Utc>> {
    let mut s = Scan(text);
    let year = s.year()?;
    s.space_then(b'-')?;
    let month = s.number(2)?;
    s.space_then(b'-')?;
    let day = s.number(2)?;
    s.byte(b"Tt ")?;
    let hour = s.number(2)?;
    s.space_then(b':')?;
    let minute = s.number(2)?;
    s.space_then(b':')?;
    let second = s.number(2)?;
    let nano = if s.byte(b".").is_some() { s.nanos()? } else { 0 };
    s.0 = s.0.trim_start();
    let offset = match s.0.get(..3) {
        Some(utc) if utc.eq_ignore_ascii_case("UTC") => {
            s.0 = &s.0[3..];
            0
        }
        _ => s.offset(|s| {
            s.0 = s.0.trim_start_matches(|c: char| c == ':' || c.is_whitespace());
            Some(())
        })?,
    };
    if !s.0.trim_start().is_empty() {
        return None;
    }
    in_utc(date_time([i64::from(year), month, day, hour, minute, second], nano)?, offset)
}

/// The forms front matter takes without an offset, as UTC: what chrono's `parse_from_str` read with
/// `%Y-%m-%dT%H:%M:%S`, `%Y-%m-%d %H:%M:%S` or `%Y-%m-%d` (midnight). As there, fields may be unpadded
/// or preceded by whitespace, and a year may be signed.
pub fn parse_naive(text: &str) -> Option<DateTime<Utc>> {
    let mut s = Scan(text);
    let date = [i64::from(s.year()?), s.then(b'-')?.number(2)?, s.then(b'-')?.number(2)?];
    if s.0.is_empty() {
        return Some(date_time([date[0], date[1], date[2], 0, 0, 0], 0)?.and_utc());
    }
    // `T` is a literal there; a space in a chrono format matches any whitespace, or none.
    if s.byte(b"T").is_none() {
        s.0 = s.0.trim_start();
    }
    let time = [s.number(2)?, s.then(b':')?.number(2)?, s.then(b':')?.number(2)?];
    if !s.0.is_empty() {
        return None;
    }
    Some(date_time([date[0], date[1], date[2], time[0], time[1], time[2]], 0)?.and_utc())
}

/// A date and time from its fields, second 60 being a leap second as chrono reads it.
fn date_time([year, month, day, hour, minute, second]: [i64; 6], nano: u32) -> Option<NaiveDateTime> {
    let field = |v: i64| u32::try_from(v).ok();
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, field(month)?, field(day)?)?;
    let (second, nano) = if second == 60 { (59, nano + 1_000_000_000) } else { (field(second)?, nano) };
    Some(date.and_time(NaiveTime::from_hms_nano_opt(field(hour)?, field(minute)?, second, nano)?))
}

/// A local time at an offset (seconds east of UTC, less than a day), in UTC.
fn in_utc(local: NaiveDateTime, offset: i32) -> Option<DateTime<Utc>> {
    Some(FixedOffset::east_opt(offset)?.from_local_datetime(&local).single()?.with_timezone(&Utc))
}

/// The text not yet read; each step takes what it accepts from the front, or fails.
struct Scan<'a>(&'a str);

impl Scan<'_> {
    /// One of the given ASCII bytes.
    fn byte(&mut self, any_of: &[u8]) -> Option<u8> {
        let b = *self.0.as_bytes().first().filter(|b| any_of.contains(b))?;
        self.0 = &self.0[1..];
        Some(b)
    }

    /// The given byte, leaving `self` to read on.
    fn then(&mut self, b: u8) -> Option<&mut Self> {
        self.byte(&[b])?;
        Some(self)
    }

    /// Whitespace, if any, then the given byte.
    fn space_then(&mut self, b: u8) -> Option<()> {
        self.0 = self.0.trim_start();
        self.byte(&[b]).map(drop)
    }

    /// 1 to `max` ASCII digits.
    fn digits(&mut self, max: usize) -> Option<i64> {
        let len = self.0.bytes().take(max).take_while(u8::is_ascii_digit).count();
        let (digits, rest) = self.0.split_at(len);
        self.0 = rest;
        let value = digits.bytes().try_fold(0i64, |v, d| v.checked_mul(10)?.checked_add(i64::from(d - b'0')));
        value.filter(|_| len > 0)
    }

    /// Exactly `n` ASCII digits.
    fn fixed(&mut self, n: usize) -> Option<i64> {
        let before = self.0.len();
        self.digits(n).filter(|_| before - self.0.len() == n)
    }

    /// A numeric field as chrono's strftime parser reads one: whitespace, then 1 to `max` digits.
    fn number(&mut self, max: usize) -> Option<i64> {
        self.0 = self.0.trim_start();
        self.digits(max)
    }

    /// `%Y` as chrono's strftime parser reads it: whitespace, then up to four digits or a sign and any number.
    fn year(&mut self) -> Option<i32> {
        self.0 = self.0.trim_start();
        let year = match self.byte(b"+-") {
            Some(b'-') => -self.digits(usize::MAX)?,
            Some(_) => self.digits(usize::MAX)?,
            None => self.digits(4)?,
        };
        i32::try_from(year).ok()
    }

    /// A fraction of a second in nanoseconds: the first 9 digits count, any more are read past.
    fn nanos(&mut self) -> Option<u32> {
        let before = self.0.len();
        let value = self.digits(9)?;
        let scale = 10i64.pow(9 - (before - self.0.len()) as u32);
        self.0 = self.0.trim_start_matches(|c: char| c.is_ascii_digit());
        u32::try_from(value * scale).ok()
    }

    /// `Z`, or a sign (`+`, `-` or `−`), two digits of hours, what `colon` takes, and two of minutes (00–59);
    /// in seconds east of UTC.
    fn offset(&mut self, colon: impl Fn(&mut Self) -> Option<()>) -> Option<i32> {
        if self.byte(b"Zz").is_some() {
            return Some(0);
        }
        let sign = if let Some(rest) = self.0.strip_prefix('+') {
            self.0 = rest;
            1
        } else if let Some(rest) = self.0.strip_prefix(['-', '−']) {
            self.0 = rest;
            -1
        } else {
            return None;
        };
        let hours = self.fixed(2)?;
        colon(self)?;
        let tens = self.byte(b"012345")?;
        let minutes = i64::from(tens - b'0') * 10 + self.fixed(1)?;
        i32::try_from(sign * (hours * 3600 + minutes * 60)).ok()
    }
}

/// `#[serde(with = "crate::core::date::optional")]` for `Option<DateTime<Utc>>`, in place of chrono's impls
/// (whose `Deserialize` brings in its parser): the same text, `2024-05-01T08:00:00Z` with a fraction when
/// there is one, read as chrono read it. Give the field `#[serde(default)]` too, so that a missing key is
/// still `None` as it was.
pub mod optional {
    use super::{iso, parse_lenient};
    use chrono::{DateTime, Utc};
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(dt: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
        match dt {
            Some(dt) => serializer.serialize_some(&iso(*dt, "Z")),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        parse_lenient(&text).map(Some).ok_or_else(|| D::Error::custom(format!("{text:?} is not an RFC 3339 date and time")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Duration};

    /// A fixed sequence of pseudo-random numbers (xorshift), so that failures repeat.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, nano: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_nano_opt(h, mi, s, nano).unwrap().and_utc()
    }

    /// Dates chrono formats differently: year and month edges, leap days and seconds, and every fraction width.
    fn dates() -> Vec<DateTime<Utc>> {
        let mut dates = vec![
            DateTime::UNIX_EPOCH,
            at(2024, 5, 1, 8, 0, 0, 0),
            at(2024, 2, 29, 23, 59, 59, 999_999_999),
            at(2000, 2, 29, 12, 0, 0, 0),
            at(1999, 12, 31, 23, 59, 59, 0),
            at(2000, 1, 1, 0, 0, 0, 0),
            at(2016, 12, 31, 23, 59, 59, 1_000_000_000),
            at(2016, 12, 31, 23, 59, 59, 1_500_000_000),
            at(2016, 12, 31, 23, 59, 59, 1_000_000_007),
            at(2024, 5, 1, 8, 0, 0, 500_000_000),
            at(2024, 5, 1, 8, 0, 0, 120_000),
            at(2024, 5, 1, 8, 0, 0, 1),
            at(0, 1, 1, 0, 0, 0, 0),
            at(9999, 12, 31, 23, 59, 59, 0),
            at(999, 3, 9, 1, 2, 3, 0),
            at(42, 7, 4, 0, 0, 0, 0),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            // Years 0–9999, where nearly all the blog's dates fall.
            let secs = rng.below(315_537_897_600) as i64 - 62_167_219_200;
            let nano = match rng.below(5) {
                0 => 0,
                1 => rng.below(1000) as u32 * 1_000_000,
                2 => rng.below(1_000_000) as u32 * 1000,
                3 => rng.below(1_000_000_000) as u32,
                _ => 0,
            };
            dates.push(DateTime::from_timestamp(secs, nano).unwrap());
        }
        dates
    }

    /// Years outside 0–9999, which chrono writes with a sign.
    fn far_dates() -> Vec<DateTime<Utc>> {
        [-262_000, -10_000, -1, 10_000, 12_345, 262_000].into_iter().map(|y| at(y, 6, 15, 10, 30, 5, 250_000_000)).collect()
    }

    #[test]
    fn writes_what_chrono_writes() {
        for dt in dates().into_iter().chain(far_dates()) {
            assert_eq!(rfc3339(dt), dt.to_rfc3339(), "{dt:?}");
            assert_eq!(ymd(dt), dt.format("%Y-%m-%d").to_string(), "{dt:?}");
            assert_eq!(db_time(dt), dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "{dt:?}");
            assert_eq!(wp_time(dt), dt.format("%Y-%m-%d %H:%M:%S").to_string(), "{dt:?}");
            assert_eq!(long_date(dt), dt.format("%-d %B %Y").to_string(), "{dt:?}");
            assert_eq!(month_year(dt), dt.format("%B %Y").to_string(), "{dt:?}");
            assert_eq!(Year(dt.year()).to_string(), dt.format("%Y").to_string(), "{dt:?}");
        }
        for dt in dates() {
            assert_eq!(rfc2822(dt), dt.to_rfc2822(), "{dt:?}");
        }
    }

    #[test]
    fn writes_the_documented_forms() {
        let dt = at(2024, 5, 1, 8, 0, 0, 0);
        assert_eq!(rfc3339(dt), "2024-05-01T08:00:00+00:00");
        assert_eq!(rfc2822(dt), "Wed, 1 May 2024 08:00:00 +0000");
        assert_eq!(long_date(dt), "1 May 2024");
        assert_eq!(db_time(at(2024, 5, 1, 8, 0, 0, 7)), "2024-05-01T08:00:00Z");
        assert_eq!(rfc3339(at(2024, 5, 1, 8, 0, 0, 120_000)), "2024-05-01T08:00:00.000120+00:00");
        assert_eq!(rfc3339(at(2016, 12, 31, 23, 59, 59, 1_000_000_000)), "2016-12-31T23:59:60+00:00");
        assert_eq!(rfc3339(at(-1, 1, 1, 0, 0, 0, 0)), "-0001-01-01T00:00:00+00:00");
    }

    #[test]
    fn rfc2822_panics_where_chrono_does() {
        for dt in far_dates() {
            assert!(std::panic::catch_unwind(|| dt.to_rfc2822()).is_err());
            assert!(std::panic::catch_unwind(|| rfc2822(dt)).is_err());
        }
    }

    /// What front matter accepted before: chrono's RFC 3339 parser, then its strftime parser with three forms.
    fn chrono_front_matter(text: &str) -> Option<DateTime<Utc>> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Some(dt.with_timezone(&Utc));
        }
        for form in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
            if let Ok(dt) = NaiveDateTime::parse_from_str(text, form) {
                return Some(dt.and_utc());
            }
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|dt| dt.and_utc())
    }

    /// What chrono's `Deserialize` for `DateTime<Utc>` makes of a JSON string.
    fn chrono_deserialized(text: &str) -> Option<DateTime<Utc>> {
        serde_json::from_str(&serde_json::to_string(text).unwrap()).ok()
    }

    fn assert_parses_as_chrono(text: &str) {
        assert_eq!(parse_rfc3339(text), DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc)), "rfc3339 {text:?}");
        assert_eq!(parse_rfc3339(text).or_else(|| parse_naive(text)), chrono_front_matter(text), "front matter {text:?}");
        assert_eq!(parse_lenient(text), chrono_deserialized(text), "lenient {text:?}");
    }

    const CASES: &[&str] = &[
        "2024-05-01T08:00:00Z",
        "2024-05-01T08:00:00+00:00",
        "2024-05-01T10:00:00+02:00",
        "2024-05-01T01:30:00-09:30",
        "2024-05-01T01:30:00−09:30",
        "2024-01-01T00:30:00+01:00",
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-23:59",
        "2024-05-01T08:00:00+24:00",
        "2024-05-01T08:00:00+23:60",
        "2024-05-01T08:00:00+0200",
        "2024-05-01T08:00:00 +02:00",
        "2024-05-01T08:00:00+02",
        "2024-05-01T08:00:00+02:0",
        "2024-05-01t08:00:00z",
        "2024-05-01 08:00:00Z",
        "2024-05-01T08:00:00.5Z",
        "2024-05-01T08:00:00.123456789Z",
        "2024-05-01T08:00:00.1234567891234Z",
        "2024-05-01T08:00:00.Z",
        "2024-05-01T08:00:00,5Z",
        "2016-12-31T23:59:60Z",
        "2016-12-31T23:59:60.25Z",
        "2016-12-31T23:59:61Z",
        "2024-05-01T08:00:00UTC",
        "2024-05-01T08:00:00 utc ",
        "2024-5-1T8:0:0Z",
        " 2024-05-01T08:00:00Z",
        "2024 - 05 - 01T08 : 00 : 00Z",
        "+10000-01-01T00:00:00Z",
        "-0001-12-31T23:00:00Z",
        "+2024-05-01T08:00:00Z",
        "2024-05-01T08:00:00Zjunk",
        "2024-05-01T08:00:00Z ",
        "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2000-02-29T00:00:00Z",
        "2024-02-30",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-12-31",
        "2024-05-01T24:00:00",
        "2024-05-01T23:60:00",
        "2024-05-01T23:59:60",
        "2024-05-01 24:00:00",
        "2024-05-01T09:30:00",
        "2024-05-01 09:30:00",
        "2024-05-01  09:30:00",
        "2024-05-0109:30:00",
        "2024-05-01T 09:30:00",
        "2024-05-01t09:30:00",
        "2024-05-01 ",
        "2024-05-01x",
        "2024-05-01T09:30",
        "2024-05-01T09:30:00.5",
        "2024-5-1",
        "24-05-01",
        "12345-01-01",
        "+12345-01-01",
        "-44-03-15",
        "+99999999999999999999-01-01",
        "- 2024-05-01",
        "2024-05-01\u{3000}09:30:00",
        "2024-05-01T08:00:00\u{2003}Z",
        "２０２４-05-01",
        "",
        "yesterday",
        "0000-00-00 00:00:00",
    ];

    #[test]
    fn parses_what_chrono_parses() {
        for text in CASES {
            assert_parses_as_chrono(text);
        }
    }

    #[test]
    fn parses_what_chrono_parses_after_edits() {
        // Each case with characters left out, doubled or replaced, from an alphabet the grammars care about.
        let alphabet: Vec<char> = "0123456789-:+TtZz. ,\u{2212}\u{3000}Ux9".chars().collect();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..60_000 {
            let mut chars: Vec<char> = CASES[rng.below(CASES.len() as u64) as usize].chars().collect();
            for _ in 0..=rng.below(3) {
                let i = rng.below(chars.len() as u64 + 1) as usize;
                let c = alphabet[rng.below(alphabet.len() as u64) as usize];
                match rng.below(3) {
                    0 if i < chars.len() => drop(chars.remove(i)),
                    1 if i < chars.len() => chars[i] = c,
                    _ => chars.insert(i, c),
                }
            }
            assert_parses_as_chrono(&chars.into_iter().collect::<String>());
        }
    }

    #[test]
    fn reads_back_what_it_writes() {
        for dt in dates().into_iter().chain(far_dates()) {
            for text in [rfc3339(dt), chrono_serialized(dt)] {
                assert_parses_as_chrono(&text);
                assert_eq!(parse_lenient(&text), Some(dt), "{text}");
            }
            assert_eq!(parse_naive(&wp_time(dt)), Some(dt - Duration::nanoseconds(i64::from(dt.nanosecond() % 1_000_000_000))));
        }
    }

    fn chrono_serialized(dt: DateTime<Utc>) -> String {
        serde_json::from_str(&serde_json::to_string(&dt).unwrap()).unwrap()
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Ours {
        #[serde(default, with = "optional")]
        date: Option<DateTime<Utc>>,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Chronos {
        date: Option<DateTime<Utc>>,
    }

    #[test]
    fn serde_writes_and_reads_what_chrono_did() {
        for date in dates().into_iter().chain(far_dates()).map(Some).chain([None]) {
            let json = serde_json::to_string(&Chronos { date }).unwrap();
            assert_eq!(serde_json::to_string(&Ours { date }).unwrap(), json);
            assert_eq!(serde_json::from_str::<Ours>(&json).unwrap(), Ours { date });
        }
        let stored = r#"{"date":"2024-05-01T08:00:00Z"}"#;
        assert_eq!(serde_json::from_str::<Ours>(stored).unwrap(), Ours { date: Some(at(2024, 5, 1, 8, 0, 0, 0)) });
        let stored = r#"{"date":"2024-05-01T08:00:00.120Z"}"#;
        assert_eq!(serde_json::from_str::<Ours>(stored).unwrap(), Ours { date: Some(at(2024, 5, 1, 8, 0, 0, 120_000_000)) });
        assert_eq!(serde_json::from_str::<Ours>("{}").unwrap(), Ours { date: None });
        assert_eq!(serde_json::from_str::<Chronos>("{}").unwrap(), Chronos { date: None });
        assert!(serde_json::from_str::<Ours>(r#"{"date":"2024-02-30T00:00:00Z"}"#).is_err());
        assert!(serde_json::from_str::<Ours>(r#"{"date":20240501}"#).is_err());
    }
}
