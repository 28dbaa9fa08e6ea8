//! The cheap `format` checks: `uuid` and `date-time` (RFC 3339).

/// `8-4-4-4-12` hexadecimal digits, either case.
pub(crate) fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `T` and `Z` in either case.
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let num = |r: std::ops::Range<usize>| -> u32 {
        b.get(r)
            .map_or(0, |d| d.iter().fold(0, |n, c| n * 10 + u32::from(c - b'0')))
    };
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    if !(1..=12).contains(&num(5..7))
        || !(1..=31).contains(&num(8..10))
        || num(11..13) > 23
        || num(14..16) > 59
        || num(17..19) > 60
    {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && digits(i + 1..i + 3)
                && b[i + 3] == b':'
                && digits(i + 4..i + 6)
                && num(i + 1..i + 3) <= 23
                && num(i + 4..i + 6) <= 59
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert!(is_uuid("0f8fad5b-d9cb-469f-a165-70867728950E"));
        assert!(!is_uuid("0f8fad5b-d9cb-469f-a165-70867728950"));
        assert!(!is_uuid("0f8fad5bxd9cb-469f-a165-70867728950e"));
        assert!(!is_uuid("job-1"));
    }

    #[test]
    fn date_times() {
        assert!(is_date_time("2024-05-01T10:00:00Z"));
        assert!(is_date_time("2024-05-01T10:00:00.123+02:00"));
        assert!(is_date_time("2024-05-01t10:00:00.5z"));
        assert!(!is_date_time("2024-05-01 10:00:00Z"));
        assert!(!is_date_time("2024-05-01T10:00:00"));
        assert!(!is_date_time("2024-13-01T10:00:00Z"));
        assert!(!is_date_time("2024-05-01T10:00:00.Z"));
        assert!(!is_date_time("2024-05-01T10:00:00+0200"));
        assert!(!is_date_time("yesterday"));
    }
}
