//! Where a webhook may be sent (contract: "Targets must be `https://` and must not resolve
//! to loopback, private, link-local, CGNAT, multicast or unspecified addresses"). Checked
//! when an endpoint is saved, and again at every delivery on the addresses the name
//! resolves to then: the delivery client's resolver ([`CheckedResolver`]) hands the
//! connector only addresses that pass, so the address connected to is the one checked and
//! a DNS answer that changes in between (rebinding) gets nowhere.

use std::net::{IpAddr, SocketAddr};
use std::sync::LazyLock;
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;

/// Longest URL accepted (contract).
pub const MAX_URL_CHARS: usize = 2048;

static FORBIDDEN: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        // IPv4: "this network" and unspecified, private, CGNAT, loopback, link-local,
        // IETF protocol assignments, documentation, benchmarking, multicast, reserved and
        // broadcast.
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        // IPv6: unspecified, loopback, IPv4-mapped and IPv4-compatible (an IPv4 address in
        // disguise), NAT64, discard, documentation, 6to4, unique local, link-local,
        // site-local and multicast.
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "::/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    ]
    .iter()
    .filter_map(|n| n.parse().ok())
    .collect()
});

/// Whether deliveries may never go to `ip`.
pub fn forbidden(ip: IpAddr) -> bool {
    FORBIDDEN.iter().any(|net| net.contains(&ip))
}

/// Why a URL is refused, worded for the `errors[].message` of a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub code: &'static str,
    pub message: String,
    /// The address a `forbidden_address` names (for the message in other languages).
    pub address: Option<IpAddr>,
}

fn refused(code: &'static str, message: impl Into<String>) -> Refused {
    Refused {
        code,
        message: message.into(),
        address: None,
    }
}

/// The URL's form: absolute, `https` (or `http` with insecure targets allowed), a host, no
/// credentials in it (they would be shown in every listing).
pub fn parse(raw: &str, allow_insecure: bool) -> Result<Url, Refused> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(refused("too_long", "must be at most 2048 characters"));
    }
    let url = Url::parse(raw).map_err(|_| refused("invalid_url", "must be an absolute URL"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        _ => return Err(refused("insecure_url", "must be an https:// URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refused("invalid_url", "must name a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(
            "invalid_url",
            "must not carry credentials (the signature authenticates passgate)",
        ));
    }
    Ok(url)
}

/// The save-time check: the form, then every address the host resolves to now.
pub async fn check(raw: &str, allow_insecure: bool, timeout: Duration) -> Result<Url, Refused> {
    let url = parse(raw, allow_insecure)?;
    if allow_insecure {
        return Ok(url);
    }
    let addresses = resolve(&url, timeout)
        .await
        .map_err(|why| refused("unresolvable", why))?;
    if let Some(bad) = addresses.iter().find(|a| forbidden(a.ip())) {
        return Err(Refused {
            address: Some(bad.ip()),
            ..refused(
                "forbidden_address",
                format!(
                    "resolves to {}, a loopback, private, link-local or otherwise non-public address",
                    bad.ip()
                ),
            )
        });
    }
    Ok(url)
}

async fn resolve(url: &Url, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    let port = url.port_or_known_default().unwrap_or(443);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(url::Host::Ipv6(ip)) => Ok(vec![SocketAddr::new(ip.into(), port)]),
        Some(url::Host::Domain(name)) => {
            let found = tokio::time::timeout(timeout, tokio::net::lookup_host((name, port)))
                .await
                .map_err(|_| "the host name did not resolve in time".to_owned())?
                .map_err(|_| "the host name does not resolve".to_owned())?
                .collect::<Vec<_>>();
            if found.is_empty() {
                Err("the host name does not resolve".into())
            } else {
                Ok(found)
            }
        }
        None => Err("must name a host".into()),
    }
}

/// The literal address of a URL whose host is one (the connector does not resolve those,
/// so the delivery checks them itself).
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
        url::Host::Domain(_) => None,
    }
}

/// The delivery client's resolver: the system's answer with every forbidden address
/// removed; a name left with none fails to connect (and is recorded as refused).
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver;

#[derive(Debug, thiserror::Error)]
#[error("the target resolves only to non-public addresses")]
pub struct ForbiddenTarget;

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed = keep_public(found)?;
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The addresses of a DNS answer the connector may try: the public ones, in their order;
/// none is an error, so nothing is connected to.
fn keep_public(
    found: impl Iterator<Item = SocketAddr>,
) -> Result<Vec<SocketAddr>, ForbiddenTarget> {
    let allowed: Vec<SocketAddr> = found.filter(|a| !forbidden(a.ip())).collect();
    if allowed.is_empty() {
        Err(ForbiddenTarget)
    } else {
        Ok(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "fe80::1",
            "fd00::1",
            "ff02::1",
        ] {
            assert!(forbidden(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!forbidden(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_resolver_passes_on_only_the_public_addresses_of_an_answer() {
        let answer = |ips: &[&str]| {
            ips.iter()
                .map(|ip| SocketAddr::new(ip.parse().unwrap(), 443))
                .collect::<Vec<_>>()
        };
        let mixed = answer(&[
            "127.0.0.1",
            "93.184.215.14",
            "::1",
            "10.0.0.7",
            "2606:4700::1",
        ]);
        assert_eq!(
            keep_public(mixed.into_iter()).unwrap(),
            answer(&["93.184.215.14", "2606:4700::1"])
        );
        let rebound = answer(&["127.0.0.1", "::ffff:127.0.0.1", "169.254.169.254"]);
        assert!(keep_public(rebound.into_iter()).is_err());
        assert!(keep_public(std::iter::empty()).is_err());
    }

    #[test]
    fn urls_must_be_https_without_credentials() {
        assert!(parse("https://hooks.example.com/in", false).is_ok());
        assert_eq!(
            parse("http://hooks.example.com/", false).unwrap_err().code,
            "insecure_url"
        );
        assert!(parse("http://127.0.0.1:9/", true).is_ok());
        assert!(parse("https://user:pw@hooks.example.com/", false).is_err());
        assert!(parse("ftp://hooks.example.com/", true).is_err());
        assert!(parse("not a url", false).is_err());
        assert!(parse(&format!("https://a.example/{}", "x".repeat(2100)), false).is_err());
    }
}
