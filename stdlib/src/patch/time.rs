//! Dates in patch headers (`--- a/f.c\t2017-07-26 16:59:48.547792339 -0400`,
//! `*** f.c\tWed Jul 26 16:59:48 2017`): whether they say "no such file"
//! (the epoch) and, for `-Z`/`-T`, the time to give patched files.

/// A point in time: seconds since the epoch and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// How a date without a zone is read: `-Z` reads it as UTC, `-T` (and
/// GNU patch's check for the epoch) as local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// `-Z`/`--set-utc`.
    Utc,
    /// `-T`/`--set-time`: the machine's time zone (the process's `TZ`).
    Local,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads the date after a header's file name. Two forms are understood:
/// ISO (`2017-07-26 16:59:48[.frac] [zone]`, diff's unified default) and
/// ctime (`[Wed] Jul 26 16:59:48 [zone] 2017 [zone]`, diff's context
/// default and Mercurial's); zones are `±HHMM`, `±HH:MM`, `UTC`, `GMT`,
/// `UT` and `Z`. Anything else is no date. Text in parentheses is a
/// comment, as for GNU's date parser, and blank text (a CR, a comment)
/// is today at midnight, as GNU's date parser reads it.
pub(crate) fn parse(text: &str, zone: Zone) -> Option<Timestamp> {
    let mut clean = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => clean.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = clean.split_ascii_whitespace().collect();
    let Some(first) = words.first() else {
        return midnight_today(zone);
    };
    let (date, time, offset) = match first.as_bytes().first()? {
        b'0'..=b'9' => iso(&words)?,
        _ => ctime(&words)?,
    };
    let (year, month, day) = date;
    let (hour, minute, second, nanos) = time;
    let civil = Civil {
        year,
        month,
        day,
        hour,
        minute,
        second,
    };
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let seconds = match (offset, zone) {
        (Some(offset), _) => civil.utc_seconds()?.checked_sub(offset)?,
        (None, Zone::Utc) => civil.utc_seconds()?,
        (None, Zone::Local) => civil.local_seconds()?,
    };
    Some(Timestamp { seconds, nanos })
}

/// A date and time of day as written, in no particular zone.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

type Date = (i64, i64, i64);
type Time = (i64, i64, i64, u32);

/// `2017-07-26 16:59:48.547792339 -0400`
fn iso(words: &[&str]) -> Option<(Date, Time, Option<i64>)> {
    let mut parts = words[0].splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    let time = clock(words.get(1)?)?;
    let offset = match words.get(2..)? {
        [] => None,
        [zone] => Some(zone_offset(zone)?),
        _ => return None,
    };
    Some(((year, month, day), time, offset))
}

/// `Wed Jul 26 16:59:48 2017`, `Thu Jan 01 00:00:00 1970 +0000`,
/// `Wed Jul 26 16:59:48 UTC 2017`.
fn ctime(words: &[&str]) -> Option<(Date, Time, Option<i64>)> {
    let month_of = |word: &str| {
        let word = word.to_ascii_lowercase();
        MONTHS
            .iter()
            .position(|m| word.len() >= 3 && m.starts_with(&word[..3]))
            .map(|m| m as i64 + 1)
    };
    // An optional weekday ("Wed" or "Wed,") comes first.
    let words = match words {
        [first, rest @ ..] if month_of(first).is_none() => rest,
        _ => words,
    };
    let [month, day, time, rest @ ..] = words else {
        return None;
    };
    let month = month_of(month)?;
    let day = day.parse().ok()?;
    let time = clock(time)?;
    let (year, offset) = match rest {
        [year] => (year.parse().ok()?, None),
        [zone, year] if zone_offset(zone).is_some() => (year.parse().ok()?, zone_offset(zone)),
        [year, zone] => (year.parse().ok()?, Some(zone_offset(zone)?)),
        _ => return None,
    };
    Some(((year, month, day), time, offset))
}

/// `16:59:48.547792339` or `16:59`.
fn clock(text: &str) -> Option<Time> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let mut parts = whole.split(':');
    let hour = parts.next()?.parse().ok()?;
    let minute = parts.next()?.parse().ok()?;
    let second = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // Nanosecond precision; further digits are dropped.
            let digits: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            digits.parse().ok()?
        }
        Some(_) => return None,
    };
    Some((hour, minute, second, nanos))
}

/// Seconds east of UTC.
fn zone_offset(text: &str) -> Option<i64> {
    if ["UTC", "GMT", "UT", "Z"].contains(&text.to_ascii_uppercase().as_str()) {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    let (hours, minutes) = if digits.len() <= 2 {
        (value, 0)
    } else {
        (value / 100, value % 100)
    };
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let year = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era.checked_mul(146_097)?
        .checked_add(day_of_era)?
        .checked_sub(719_468)
}

impl Civil {
    fn utc_seconds(&self) -> Option<i64> {
        days_from_civil(self.year, self.month, self.day)?
            .checked_mul(86_400)?
            .checked_add(self.hour * 3600 + self.minute * 60 + self.second)
    }

    /// Through `mktime`, in the process's time zone.
    fn local_seconds(&self) -> Option<i64> {
        // SAFETY: `tm` is plain data; zeroed is a valid value, and the
        // fields that matter are set below.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        tm.tm_year = i32::try_from(self.year.checked_sub(1900)?).ok()?;
        tm.tm_mon = (self.month - 1) as i32;
        tm.tm_mday = self.day as i32;
        tm.tm_hour = self.hour as i32;
        tm.tm_min = self.minute as i32;
        tm.tm_sec = self.second as i32;
        tm.tm_isdst = -1;
        // SAFETY: a valid, exclusively borrowed `tm`.
        let seconds = unsafe { libc::mktime(&mut tm) };
        // -1 is also 1969-12-31 23:59:59 UTC; GNU patch treats it as an
        // error too.
        (seconds != -1).then_some(seconds)
    }
}

/// The start of today in `zone`.
fn midnight_today(zone: Zone) -> Option<Timestamp> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let now = i64::try_from(now).ok()?;
    let seconds = match zone {
        Zone::Utc => now - now.rem_euclid(86_400),
        Zone::Local => {
            // SAFETY: `tm` is plain data filled in by localtime_r from a
            // valid time; mktime only reads and normalizes it.
            let mut tm: libc::tm = unsafe { std::mem::zeroed() };
            let time: libc::time_t = now;
            // SAFETY: valid pointers to a time and an exclusively borrowed `tm`.
            if unsafe { libc::localtime_r(&time, &mut tm) }.is_null() {
                return None;
            }
            (tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_isdst) = (0, 0, 0, -1);
            // SAFETY: as above.
            let seconds = unsafe { libc::mktime(&mut tm) };
            (seconds != -1).then_some(seconds)?
        }
    };
    Some(Timestamp { seconds, nanos: 0 })
}

/// GNU patch's test for "this side does not exist" when neither `-Z` nor
/// `-T` is given: a date (read as local time) within -25 to +26 hours of
/// the epoch, since the zone diff used is unknown.
pub(crate) fn near_epoch(time: Timestamp) -> bool {
    time.seconds > -25 * 3600 && (time.seconds, time.nanos) < (26 * 3600, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<(i64, u32)> {
        parse(text, Zone::Utc).map(|t| (t.seconds, t.nanos))
    }

    #[test]
    fn iso_and_ctime_dates_with_and_without_zones() {
        assert_eq!(
            at("2017-07-26 16:59:48.547792339 -0400"),
            Some((1_501_102_788, 547_792_339))
        );
        assert_eq!(at("1970-01-01 00:00:00.000000000 +0000"), Some((0, 0)));
        assert_eq!(at("1970-01-01 01:00:00 +0100"), Some((0, 0)));
        assert_eq!(at("Wed Jul 26 16:59:48 2017"), Some((1_501_088_388, 0)));
        assert_eq!(at("Thu Jan  1 00:00:00 1970"), Some((0, 0)));
        assert_eq!(at("Thu Jan 01 00:00:00 1970 +0000"), Some((0, 0)));
        assert_eq!(at("2000-02-29 12:00"), Some((951_825_600, 0)));
        let midnight = at("(revision 1234)").unwrap();
        assert_eq!(
            (midnight.0 % 86_400, midnight.1),
            (0, 0),
            "a comment is today"
        );
        assert_eq!(at("\r"), Some(midnight));
        assert_eq!(at("working copy"), None);
        assert_eq!(at("2017-13-01 00:00:00"), None);
    }

    #[test]
    fn the_epoch_window_is_wide_as_in_gnu_patch() {
        let near = |text: &str| parse(text, Zone::Local).is_some_and(near_epoch);
        assert!(near("1970-01-01 00:00:00.000000000 +0000"));
        assert!(near("1970-01-01 10:00:00 +0000"));
        assert!(near("Thu Jan  1 00:00:00 1970"));
        assert!(!near("1970-01-03 00:00:00 +0000"));
        assert!(!near("2020-01-01 00:00:00 +0000"));
        assert!(!near(""), "today");
    }
}
