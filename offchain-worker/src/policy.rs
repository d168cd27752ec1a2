//! Where modules' outbound HTTP may go, and how much of it one off-chain run may use.
//!
//! An engine runs code that any account may deploy, on a machine that usually also serves the
//! node's RPC on loopback and sits in a private network. So `http_fetch` reaches only the public
//! internet unless the operator allow-lists more (`--engine-http-allow`): destinations in the
//! special-purpose ranges below (loopback, private, link-local, unique-local, multicast,
//! unspecified, ...) are refused, for IP literals before anything is sent and for host names
//! after resolution, by the resolver that the connection then uses (so a name cannot resolve to
//! one address when checked and another when connected). Redirects are never followed.

use ipnet::IpNet;
use std::{
	net::{IpAddr, Ipv4Addr, Ipv6Addr},
	str::FromStr,
	time::Duration,
};

/// Special-purpose IPv4 networks (IANA's registry): nothing a module may reach by default.
const SPECIAL_V4: &[(Ipv4Addr, u8)] = &[
	(Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", unspecified
	(Ipv4Addr::new(10, 0, 0, 0), 8),      // private
	(Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (carrier-grade NAT)
	(Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
	(Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local (and cloud metadata services)
	(Ipv4Addr::new(172, 16, 0, 0), 12),   // private
	(Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
	(Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
	(Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay anycast
	(Ipv4Addr::new(192, 168, 0, 0), 16),  // private
	(Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
	(Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
	(Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
	(Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
	(Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, broadcast
];

/// Special-purpose IPv6 networks; addresses that embed an IPv4 address are judged by it.
const SPECIAL_V6: &[(Ipv6Addr, u8)] = &[
	(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128), // unspecified
	(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128), // loopback
	(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
	(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
	(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique-local
	(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
	(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
	(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// Whether `ip` is in a special-purpose range, i.e. not a public internet address.
pub fn is_special(ip: IpAddr) -> bool {
	match ip {
		IpAddr::V4(v4) => SPECIAL_V4.iter().any(|&(net, len)| in_v4(v4, net, len)),
		IpAddr::V6(v6) => match embedded_v4(v6) {
			Some(v4) => is_special(IpAddr::V4(v4)),
			None => SPECIAL_V6.iter().any(|&(net, len)| in_v6(v6, net, len)),
		},
	}
}

fn in_v4(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
	let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
	u32::from(ip) & mask == u32::from(net) & mask
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
	let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
	u128::from(ip) & mask == u128::from(net) & mask
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:ab:cd::`) address: these reach that IPv4 host.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
	let s = ip.segments();
	let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
	match s {
		[0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
		// `::` and `::1` are IPv6's own unspecified and loopback addresses.
		[0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => Some(low),
		[0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
		[0x2002, a, b, ..] => Some(Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8)),
		_ => None,
	}
}

/// One `--engine-http-allow` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
	/// A host name or IP address, optionally with a port: requests to it are not checked
	/// further (a name's addresses may be anything).
	Host {
		/// Lower-case host name, or an IP address as text.
		host: String,
		/// Only this port, if given.
		port: Option<u16>,
	},
	/// A network: its addresses are reachable on any port.
	Network(IpNet),
}

impl FromStr for AllowEntry {
	type Err = String;

	fn from_str(text: &str) -> Result<Self, String> {
		let text = text.trim();
		if text.is_empty() {
			return Err("an empty --engine-http-allow entry".into());
		}
		if let Ok(net) = text.parse::<IpNet>() {
			return Ok(Self::Network(net));
		}
		if let Ok(ip) = text.parse::<IpAddr>() {
			return Ok(Self::Network(IpNet::from(ip)));
		}
		// `host:port`, `[v6]:port`, `[v6]` or `host`.
		let (host, port) = match text.rsplit_once(':') {
			Some((host, port)) if !host.contains(':') || host.starts_with('[') => {
				let port = port.parse::<u16>().map_err(|_| format!("bad port in {text:?}"))?;
				(host, Some(port))
			},
			_ => (text, None),
		};
		let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
		let valid = !host.is_empty()
			&& host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
		if !valid {
			return Err(format!("{text:?} is not a host, host:port, IP address or network"));
		}
		Ok(Self::Host { host, port })
	}
}

/// How a request's destination is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
	/// The operator allow-listed the host: connect to whatever it resolves to.
	Allowed,
	/// Connect only to addresses that pass [`HttpPolicy::address_allowed`], after resolution.
	Checked,
}

/// Why a request was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
	/// Not an absolute `http` or `https` URL.
	#[error("not an http(s) URL: {0}")]
	BadUrl(String),
	/// An IP address in a special-purpose range that the operator did not allow.
	#[error("{0} is not a public address and not allow-listed")]
	SpecialAddress(IpAddr),
	/// The run used up its number of requests.
	#[error("the run made its {0} requests")]
	TooManyRequests(u32),
	/// The run used up its bytes.
	#[error("the run sent and received its {0} bytes")]
	TooManyBytes(u64),
	/// The run used up its time waiting for responses.
	#[error("the run waited its {0:?} for responses")]
	OutOfTime(Duration),
}

/// The operator's outbound HTTP policy.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
	/// What the operator allow-listed.
	pub allow: Vec<AllowEntry>,
	/// Most requests one off-chain run may make.
	pub max_requests: u32,
	/// Most bytes one run may send and receive (bodies).
	pub max_bytes: u64,
	/// Most time one run may spend waiting for responses.
	pub max_wait: Duration,
}

impl Default for HttpPolicy {
	fn default() -> Self {
		Self {
			allow: Vec::new(),
			max_requests: 16,
			max_bytes: 4 * 1024 * 1024,
			max_wait: Duration::from_secs(30),
		}
	}
}

impl HttpPolicy {
	/// Whether a connection to `ip` is allowed for a host that was not allow-listed itself:
	/// public addresses, and addresses in allow-listed networks.
	pub fn address_allowed(&self, ip: IpAddr) -> bool {
		let ip = canonical(ip);
		!is_special(ip)
			|| self
				.allow
				.iter()
				.any(|entry| matches!(entry, AllowEntry::Network(net) if net.contains(&ip)))
	}

	/// How a request to `url` is checked, or why it is refused before anything is sent.
	pub fn route(&self, url: &str) -> Result<Route, Refusal> {
		let uri: hyper::Uri = url.parse().map_err(|_| Refusal::BadUrl(url.to_owned()))?;
		let default_port = match uri.scheme_str() {
			Some("http") => 80,
			Some("https") => 443,
			_ => return Err(Refusal::BadUrl(url.to_owned())),
		};
		let host = uri.host().ok_or_else(|| Refusal::BadUrl(url.to_owned()))?;
		let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
		let port = uri.port_u16().unwrap_or(default_port);
		let listed = self.allow.iter().any(|entry| match entry {
			AllowEntry::Host { host: allowed, port: allowed_port } => {
				*allowed == host && allowed_port.is_none_or(|p| p == port)
			},
			AllowEntry::Network(_) => false,
		});
		if listed {
			return Ok(Route::Allowed);
		}
		match host.parse::<IpAddr>() {
			Ok(ip) if !self.address_allowed(ip) => Err(Refusal::SpecialAddress(ip)),
			_ => Ok(Route::Checked),
		}
	}
}

/// `ip`, with an IPv4-mapped IPv6 address written as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
	match ip {
		IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
		v4 => v4,
	}
}

/// What one off-chain run has used of its [`HttpPolicy`] limits.
#[derive(Debug, Default)]
pub struct RunUsage {
	requests: u32,
	bytes: u64,
	waited: Duration,
}

impl RunUsage {
	/// Counts a request about to be made, or refuses it.
	pub fn start_request(&mut self, policy: &HttpPolicy) -> Result<(), Refusal> {
		if self.requests >= policy.max_requests {
			return Err(Refusal::TooManyRequests(policy.max_requests));
		}
		self.requests += 1;
		Ok(())
	}

	/// Bytes the run may still send and receive.
	pub fn bytes_left(&self, policy: &HttpPolicy) -> u64 {
		policy.max_bytes.saturating_sub(self.bytes)
	}

	/// Counts bytes sent or received, or refuses them past the limit.
	pub fn spend_bytes(&mut self, policy: &HttpPolicy, bytes: u64) -> Result<(), Refusal> {
		if bytes > self.bytes_left(policy) {
			self.bytes = policy.max_bytes;
			return Err(Refusal::TooManyBytes(policy.max_bytes));
		}
		self.bytes += bytes;
		Ok(())
	}

	/// Time the run may still wait.
	pub fn wait_left(&self, policy: &HttpPolicy) -> Result<Duration, Refusal> {
		let left = policy.max_wait.saturating_sub(self.waited);
		if left.is_zero() {
			return Err(Refusal::OutOfTime(policy.max_wait));
		}
		Ok(left)
	}

	/// Counts time spent waiting.
	pub fn spend_wait(&mut self, waited: Duration) {
		self.waited = self.waited.saturating_add(waited);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ip(text: &str) -> IpAddr {
		text.parse().unwrap()
	}

	#[test]
	fn special_ranges_are_refused_and_public_addresses_are_not() {
		for special in [
			"127.0.0.1",
			"127.255.0.9",
			"0.0.0.0",
			"10.1.2.3",
			"172.16.0.1",
			"172.31.255.255",
			"192.168.1.1",
			"169.254.169.254",
			"100.64.0.1",
			"224.0.0.1",
			"255.255.255.255",
			"::",
			"::1",
			"fc00::1",
			"fd12:3456::1",
			"fe80::1",
			"ff02::1",
			"::ffff:127.0.0.1",
			"::ffff:10.0.0.1",
			"::127.0.0.1",
			"64:ff9b::a00:1",
			"2002:7f00:1::",
		] {
			assert!(is_special(ip(special)), "{special} must be special");
		}
		for public in ["1.1.1.1", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:1.1.1.1"] {
			assert!(!is_special(ip(public)), "{public} is public");
		}
	}

	#[test]
	fn allow_entries_parse_hosts_ports_addresses_and_networks() {
		let host = |host: &str, port| AllowEntry::Host { host: host.into(), port };
		assert_eq!("Example.COM".parse(), Ok(host("example.com", None)));
		assert_eq!("localhost:8099".parse(), Ok(host("localhost", Some(8099))));
		assert_eq!("[::1]:80".parse(), Ok(host("::1", Some(80))));
		assert_eq!("10.0.0.0/8".parse(), Ok(AllowEntry::Network("10.0.0.0/8".parse().unwrap())));
		assert_eq!("127.0.0.1".parse(), Ok(AllowEntry::Network("127.0.0.1/32".parse().unwrap())));
		assert!("".parse::<AllowEntry>().is_err());
		assert!("host:port".parse::<AllowEntry>().is_err());
		assert!("a b".parse::<AllowEntry>().is_err());
	}

	#[test]
	fn urls_to_special_addresses_are_refused_unless_allow_listed() {
		let policy = HttpPolicy::default();
		for url in [
			"http://127.0.0.1:9944/",
			"http://[::1]:9944/",
			"http://[::ffff:127.0.0.1]/",
			"http://10.0.0.1/",
			"https://169.254.169.254/latest/meta-data",
		] {
			assert!(matches!(policy.route(url), Err(Refusal::SpecialAddress(_))), "{url}");
		}
		// Names are checked after resolution.
		assert_eq!(policy.route("http://localhost:9944/"), Ok(Route::Checked));
		assert_eq!(policy.route("https://example.com/x"), Ok(Route::Checked));
		assert_eq!(policy.route("http://1.1.1.1/"), Ok(Route::Checked));
		for bad in ["ftp://example.com/", "/relative", "file:///etc/passwd", "not a url"] {
			assert!(matches!(policy.route(bad), Err(Refusal::BadUrl(_))), "{bad}");
		}

		let policy = HttpPolicy {
			allow: vec!["localhost:8099".parse().unwrap(), "192.168.0.0/16".parse().unwrap()],
			..Default::default()
		};
		assert_eq!(policy.route("http://localhost:8099/"), Ok(Route::Allowed));
		// Another port of an allow-listed name is checked like any name: localhost resolves
		// to loopback, which the resolver then refuses.
		assert_eq!(policy.route("http://localhost:9944/"), Ok(Route::Checked));
		assert!(!policy.address_allowed(ip("127.0.0.1")));
		assert_eq!(policy.route("http://192.168.4.4:1234/"), Ok(Route::Checked));
		assert!(policy.address_allowed(ip("192.168.4.4")));
		assert!(policy.address_allowed(ip("::ffff:192.168.4.4")));
		assert!(!policy.address_allowed(ip("10.0.0.1")));
	}

	#[test]
	fn a_run_is_refused_past_its_requests_bytes_and_time() {
		let policy = HttpPolicy {
			max_requests: 2,
			max_bytes: 100,
			max_wait: Duration::from_millis(50),
			..Default::default()
		};
		let mut usage = RunUsage::default();
		assert!(usage.start_request(&policy).is_ok());
		assert!(usage.start_request(&policy).is_ok());
		assert_eq!(usage.start_request(&policy), Err(Refusal::TooManyRequests(2)));

		assert!(usage.spend_bytes(&policy, 60).is_ok());
		assert_eq!(usage.bytes_left(&policy), 40);
		assert_eq!(usage.spend_bytes(&policy, 41), Err(Refusal::TooManyBytes(100)));
		assert_eq!(usage.bytes_left(&policy), 0);

		assert_eq!(usage.wait_left(&policy), Ok(Duration::from_millis(50)));
		usage.spend_wait(Duration::from_millis(50));
		assert_eq!(usage.wait_left(&policy), Err(Refusal::OutOfTime(Duration::from_millis(50))));
	}
}
