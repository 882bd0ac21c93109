//! Settings that are lists or addresses, parsed once while the configuration is read: a bad
//! value stops start-up with one line naming the variable, and nothing later parses the
//! string again. Each is written and read in its environment-variable form.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use lettre::message::Mailbox;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Comma-separated IP addresses (`PASSGATE__SERVER__TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpList(pub Vec<IpAddr>);

impl FromStr for IpList {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        split_list(raw)
            .map(|item| {
                item.parse()
                    .map_err(|_| format!("`{item}` is not an IP address"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for IpList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(IpAddr::to_string).collect();
        f.write_str(&items.join(","))
    }
}

/// Comma-separated browser origins (`PASSGATE__CORS__ALLOWED_ORIGINS`): each `http://` or
/// `https://`, never `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginList(pub Vec<String>);

impl FromStr for OriginList {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        split_list(raw)
            .map(|origin| {
                if origin == "*" || !(origin.starts_with("http://") || origin.starts_with("https://"))
                {
                    Err(format!("`{origin}` is not an origin like https://app.example.com (`*` is never allowed)"))
                } else {
                    Ok(origin.to_owned())
                }
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for OriginList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// The sender of every message (`PASSGATE__MAIL__FROM`), e.g. `passgate@example.com` or
/// `"Acme" <id@acme.test>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender(pub Mailbox);

impl FromStr for Sender {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, String> {
        raw.parse().map(Self).map_err(|_| {
            "is not an email address (e.g. passgate@example.com or \"Acme\" <id@acme.test>)".into()
        })
    }
}

impl fmt::Display for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Serialised as the variable's text, read back through `FromStr`.
macro_rules! as_text {
    ($($t:ty),+) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d)?.parse().map_err(de::Error::custom)
            }
        }
    )+};
}

as_text!(IpList, OriginList, Sender);

pub(super) fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_through_their_text() {
        let proxies: IpList = " 10.0.0.1, ::1 ,".parse().unwrap();
        assert_eq!(proxies.to_string(), "10.0.0.1,::1");
        assert_eq!(proxies.to_string().parse::<IpList>().unwrap(), proxies);
        assert!("10.0.0.1,proxy"
            .parse::<IpList>()
            .unwrap_err()
            .contains("`proxy`"));
        assert_eq!("".parse::<IpList>().unwrap(), IpList::default());

        let origins: OriginList = "https://a.test, http://localhost:5173".parse().unwrap();
        assert_eq!(origins.0, ["https://a.test", "http://localhost:5173"]);
        assert!("*".parse::<OriginList>().is_err());
        assert!("ftp://a.test".parse::<OriginList>().is_err());

        let sender: Sender = "\"Acme\" <id@acme.test>".parse().unwrap();
        assert_eq!(sender.to_string().parse::<Sender>().unwrap(), sender);
        assert!("not an address".parse::<Sender>().is_err());
    }
}
