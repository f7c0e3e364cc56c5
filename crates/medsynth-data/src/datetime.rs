//! Calendar arithmetic for date and datetime cells, without a time-zone
//! database: clinical extracts hold local dates, and we only need a stable
//! mapping between `YYYY-MM-DD[ HH:MM[:SS]]` text and seconds since 1970.

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD` for seconds since the epoch (the time of day is dropped).
pub fn format_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM:SS` for seconds since the epoch.
pub fn format_datetime(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(secs),
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DD`, `YYYY/MM/DD`, and the same followed by `T` or a space
/// and `HH:MM` or `HH:MM:SS` (a trailing `Z` is accepted). Returns seconds
/// since the epoch and whether the text was a plain date.
pub fn parse_datetime(text: &str) -> Option<(i64, bool)> {
    let t = text.trim();
    let t = t.strip_suffix('Z').unwrap_or(t);
    let (date, time) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let sep = if date.contains('-') { '-' } else { '/' };
    let mut parts = date.split(sep);
    let y: i64 = parse_digits(parts.next()?, 4)?;
    let m: u32 = parse_digits(parts.next()?, 2)? as u32;
    let d: u32 = parse_digits(parts.next()?, 2)? as u32;
    if parts.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    match time {
        None => Some((secs, true)),
        Some(time) => {
            let mut tp = time.split(':');
            let h = parse_digits(tp.next()?, 2)?;
            let mi = parse_digits(tp.next()?, 2)?;
            let s = match tp.next() {
                Some(s) => parse_digits(s.split('.').next()?, 2)?,
                None => 0,
            };
            if tp.next().is_some() || h > 23 || mi > 59 || s > 60 {
                return None;
            }
            secs += h * 3600 + mi * 60 + s;
            Some((secs, false))
        }
    }
}

/// Parses an unsigned decimal of 1..=`max_len` digits (exactly 4 for years).
fn parse_digits(s: &str, max_len: usize) -> Option<i64> {
    let ok_len = if max_len == 4 {
        s.len() == 4
    } else {
        !s.is_empty() && s.len() <= max_len
    };
    if !ok_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_leap_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
        assert_eq!(
            parse_datetime("2024-02-29"),
            Some((days_from_civil(2024, 2, 29) * 86_400, true))
        );
        assert_eq!(parse_datetime("2023-02-29"), None);
        let (s, date_only) = parse_datetime("1961-07-04T13:05:09").unwrap();
        assert!(!date_only);
        assert_eq!(format_datetime(s), "1961-07-04 13:05:09");
        assert_eq!(format_date(s), "1961-07-04");
    }

    #[test]
    fn rejects_numbers_and_garbage() {
        for t in [
            "63",
            "2.3",
            "12-03-2020",
            "2020-13-01",
            "abc",
            "2020-01-01 25:00",
        ] {
            assert_eq!(parse_datetime(t), None, "{t}");
        }
    }
}
