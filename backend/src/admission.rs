//! Who may open a WebSocket: the page it comes from (its `Origin`), and how
//! many connections the node, and each client address, already hold.
//!
//! A browser always sends `Origin` with a WebSocket upgrade, so checking it
//! stops cross-site WebSocket hijacking: a page elsewhere cannot use a
//! visitor's browser to chat in their name. Non-browser clients send none and
//! are let through (they cannot ride on anyone's browser). The client address
//! is the TCP peer, or the first address a trusted proxy put in
//! `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{header, HeaderMap, StatusCode};

use crate::config::AdmissionSettings;

/// Why an upgrade was refused, and the HTTP status that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this page's origin may not open connections here")]
    Origin,
    #[error("the node is at its connection limit")]
    NodeFull,
    #[error("too many connections from this address")]
    AddressFull,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Origin => StatusCode::FORBIDDEN,
            Refusal::NodeFull => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::AddressFull => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

#[derive(Debug)]
pub struct Admission {
    settings: AdmissionSettings,
    open: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// A place held for one connection; dropping it gives the place back.
#[derive(Debug)]
pub struct Ticket {
    admission: Arc<Admission>,
    address: IpAddr,
}

impl Ticket {
    /// The client address the place is held for.
    pub fn address(&self) -> IpAddr {
        self.address
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.admission.open.fetch_sub(1, Ordering::AcqRel);
        let mut per_address = self.admission.lock();
        if let Some(count) = per_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

impl Admission {
    pub fn new(settings: AdmissionSettings) -> Self {
        Admission { settings, open: AtomicUsize::new(0), per_address: Mutex::default() }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.per_address.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Connections held now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    /// Admits an upgrade from `peer` with `headers`, or says why not.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, headers: &HeaderMap) -> Result<Ticket, Refusal> {
        if !self.origin_allowed(headers) {
            return Err(Refusal::Origin);
        }
        let address = self.client_address(peer, headers);
        let mut per_address = self.lock();
        let from_address = per_address.get(&address).copied().unwrap_or(0);
        if from_address >= self.settings.max_connections_per_address {
            return Err(Refusal::AddressFull);
        }
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.settings.max_connections {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::NodeFull);
        }
        per_address.insert(address, from_address + 1);
        Ok(Ticket { admission: self.clone(), address })
    }

    /// The client's address: the peer, unless the peer is a trusted proxy
    /// that says whom it forwards for.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.settings.trusted_proxies.iter().any(|network| network.contains(&peer)) {
            return peer;
        }
        headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(',').next())
            .and_then(|first| first.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// A page on the host the request was sent to (the node's own pages; the
    /// port is not compared, since a proxy in front may drop it from `Host`),
    /// a listed origin, or (with no list) any loopback page talking to a
    /// loopback node: the quick start's own pages.
    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest).trim_end_matches('/');
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !host.is_empty() && host_name(origin_host).eq_ignore_ascii_case(host_name(host)) {
            return true;
        }
        if self
            .settings
            .allowed_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
        {
            return true;
        }
        self.settings.allowed_origins.is_empty() && is_loopback_host(origin_host) && is_loopback_host(host)
    }
}

/// The host of `host[:port]` or `[v6]:port`.
fn host_name(host_port: &str) -> &str {
    match host_port.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(host, _)| host),
    }
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback_host(host_port: &str) -> bool {
    let host = host_name(host_port);
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(allowed: &[&str], per_address: usize, total: usize, proxies: &[&str]) -> Arc<Admission> {
        Arc::new(Admission::new(AdmissionSettings {
            allowed_origins: allowed.iter().map(|s| s.to_string()).collect(),
            max_connections: total,
            max_connections_per_address: per_address,
            trusted_proxies: proxies.iter().map(|p| crate::config::parse_network(p).unwrap()).collect(),
        }))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    const PEER: &str = "203.0.113.7";

    fn check(admission: &Arc<Admission>, pairs: &[(&'static str, &str)], expected: Result<(), Refusal>) {
        let got = admission.admit(PEER.parse().unwrap(), &headers(pairs)).map(drop);
        assert_eq!(got, expected, "{pairs:?}");
    }

    #[test]
    fn pages_of_the_same_origin_listed_origins_and_non_browsers_are_let_in() {
        let open = admission(&[], 10, 10, &[]);
        check(&open, &[("host", "chat.example.com"), ("origin", "https://chat.example.com")], Ok(()));
        check(&open, &[("host", "chat.example.com"), ("origin", "https://chat.example.com:8443")], Ok(()));
        check(&open, &[("host", "chat.example.com")], Ok(()));
        check(
            &open,
            &[("host", "chat.example.com"), ("origin", "https://evil.example")],
            Err(Refusal::Origin),
        );
        check(&open, &[("host", "127.0.0.1:8080"), ("origin", "http://localhost:8081")], Ok(()));
        check(&open, &[("host", "127.0.0.1:8080"), ("origin", "https://evil.example")], Err(Refusal::Origin));
        let listed = admission(&["https://app.example.com"], 10, 10, &[]);
        check(&listed, &[("host", "api.example.com"), ("origin", "https://app.example.com")], Ok(()));
        check(
            &listed,
            &[("host", "127.0.0.1:8080"), ("origin", "http://localhost:8081")],
            Err(Refusal::Origin),
        );
    }

    #[test]
    fn places_are_counted_per_address_and_per_node_and_given_back() {
        let small = admission(&[], 2, 3, &[]);
        let first = small.admit(PEER.parse().unwrap(), &HeaderMap::new()).unwrap();
        let _second = small.admit(PEER.parse().unwrap(), &HeaderMap::new()).unwrap();
        check(&small, &[], Err(Refusal::AddressFull));
        let _other = small.admit("198.51.100.1".parse().unwrap(), &HeaderMap::new()).unwrap();
        assert_eq!(
            small.admit("198.51.100.2".parse().unwrap(), &HeaderMap::new()).map(drop),
            Err(Refusal::NodeFull)
        );
        drop(first);
        check(&small, &[], Ok(()));
        assert_eq!(small.open(), 2, "the place taken by the last check was given back too");
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let behind = admission(&[], 10, 10, &["10.0.0.2", "172.16.0.0/12"]);
        let forwarded = headers(&[("x-forwarded-for", "198.51.100.9, 10.0.0.2")]);
        assert_eq!(
            behind.client_address("10.0.0.2".parse().unwrap(), &forwarded),
            "198.51.100.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(behind.client_address(PEER.parse().unwrap(), &forwarded), PEER.parse::<IpAddr>().unwrap());
        let from_network = behind.client_address("172.18.0.4".parse().unwrap(), &forwarded);
        assert_eq!(from_network, "198.51.100.9".parse::<IpAddr>().unwrap());
    }
}
