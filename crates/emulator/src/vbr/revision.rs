//! VBR `x-api-version` revisions (`1.3-rev1`): parsing, ordering, and the revision a request
//! asked for (VBR-08, VBR-13).

use std::fmt;
use std::str::FromStr;

/// One revision of the VBR REST API, `major.minor-revN` (`1.2-rev1`).
///
/// Ordered by major, minor, then revision, so `1.1-rev2 < 1.2-rev0 < 1.3-rev2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiRevision {
    /// Major number (`1`).
    pub major: u16,
    /// Minor number (`3` of `1.3-rev1`).
    pub minor: u16,
    /// Revision number (`1` of `1.3-rev1`).
    pub rev: u16,
}

impl ApiRevision {
    /// A revision from its three numbers.
    pub const fn new(major: u16, minor: u16, rev: u16) -> Self {
        Self { major, minor, rev }
    }

    /// Whether this revision is `major.minor-rev0` or newer.
    pub fn at_least(self, major: u16, minor: u16) -> bool {
        self >= Self::new(major, minor, 0)
    }
}

impl fmt::Display for ApiRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}-rev{}", self.major, self.minor, self.rev)
    }
}

/// Why a text is not a revision.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an API revision of the form major.minor-revN")]
pub struct NotARevision;

impl FromStr for ApiRevision {
    type Err = NotARevision;

    /// Parses `1.3-rev1`; the `rev` is read without regard to case, surrounding blanks are
    /// ignored, and a leading `v` (`v1.0-rev1`, as the server's messages write it) is accepted.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let (numbers, rev) = s.split_once('-').ok_or(NotARevision)?;
        let (major, minor) = numbers.split_once('.').ok_or(NotARevision)?;
        let rev = rev
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("rev"))
            .and_then(|_| rev.get(3..))
            .ok_or(NotARevision)?;
        let num = |t: &str| -> Result<u16, NotARevision> {
            if t.is_empty() || t.len() > 4 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NotARevision);
            }
            t.parse().map_err(|_| NotARevision)
        };
        Ok(Self::new(num(major)?, num(minor)?, num(rev)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_orders_and_prints() {
        let r: ApiRevision = "1.3-rev1".parse().unwrap();
        assert_eq!(r, ApiRevision::new(1, 3, 1));
        assert_eq!(r.to_string(), "1.3-rev1");
        assert_eq!(
            " v1.0-REV2 ".parse::<ApiRevision>(),
            Ok(ApiRevision::new(1, 0, 2))
        );
        let mut all: Vec<ApiRevision> =
            ["1.3-rev0", "1.1-rev2", "1.0-rev1", "1.2-rev1", "1.1-rev0"]
                .iter()
                .map(|s| s.parse().unwrap())
                .collect();
        all.sort();
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["1.0-rev1", "1.1-rev0", "1.1-rev2", "1.2-rev1", "1.3-rev0"]
        );
        assert!(ApiRevision::new(1, 3, 0).at_least(1, 3));
        assert!(!ApiRevision::new(1, 2, 1).at_least(1, 3));
    }

    #[test]
    fn refuses_what_is_not_a_revision() {
        for bad in [
            "",
            "1.3",
            "1.3-rv1",
            "1.3-rev",
            "a.b-rev1",
            "1.3-rev1x",
            "1.3-rev99999",
            "-rev1",
        ] {
            assert_eq!(bad.parse::<ApiRevision>(), Err(NotARevision), "{bad:?}");
        }
    }
}
