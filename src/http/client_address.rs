//! Which address a request came from, for audit events, notices and per-address limits.

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::flows::ClientAddress;
use crate::state::AppState;

/// Where the request came from, for the flows' audit events and notices.
pub fn client_address(req: &HttpRequest, state: &AppState) -> ClientAddress {
    ClientAddress {
        client_ip: client_ip(req, &state.trusted_proxies).map(|ip| ip.to_string()),
    }
}

/// The TCP peer, unless the peer is a configured trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Forwarding
/// headers from anyone else are ignored, so a client cannot choose its own address.
pub fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:1234").parse().unwrap());
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let ip = |r: &HttpRequest, t: &[IpAddr]| client_ip(r, t).unwrap().to_string();
        assert_eq!(
            ip(&request("203.0.113.5", Some("1.2.3.4")), &[proxy]),
            "203.0.113.5"
        );
        assert_eq!(
            ip(
                &request("10.0.0.1", Some("1.2.3.4, 198.51.100.7")),
                &[proxy]
            ),
            "198.51.100.7"
        );
        assert_eq!(
            ip(
                &request("10.0.0.1", Some("198.51.100.7, 10.0.0.1")),
                &[proxy]
            ),
            "198.51.100.7"
        );
        assert_eq!(ip(&request("10.0.0.1", None), &[proxy]), "10.0.0.1");
        assert_eq!(
            ip(&request("10.0.0.1", Some("garbage")), &[proxy]),
            "10.0.0.1"
        );
    }
}
