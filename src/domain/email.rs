use std::fmt;

/// An email address: trimmed, at most 254 characters, one `@` with a non-empty local part
/// and a dotted domain, no whitespace or control characters. `normalized()` is the
/// lower-cased form that uniqueness and look-ups use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.chars().count() > 254 {
            return Err("must be at most 254 characters");
        }
        if s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || is_invisible_format(c))
        {
            return Err("must not contain spaces or control characters");
        }
        let (local, domain) = s.rsplit_once('@').ok_or("must contain @")?;
        if local.is_empty() || local.chars().count() > 64 || local.contains('@') {
            return Err("has an invalid local part");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
        {
            return Err("has an invalid domain");
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive identity of the address.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or(&self.0, |(l, _)| l)
    }
}

/// Bidirectional and zero-width marks make an address look like another one.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_normalizes_case() {
        let e = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(e.normalized(), "ada.lovelace@example.com");
        assert_eq!(e.local_part(), "Ada.Lovelace");
    }

    #[test]
    fn rejects_broken_addresses() {
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@.com",
            "a b@example.com",
            "a@exa mple.com",
            "a\u{202E}b@example.com",
            "a\u{0000}@example.com",
            &format!("{}@example.com", "x".repeat(300)),
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
