//! Sealed boxes: how a share travels between an owner and an engine.
//!
//! The gateway speaks plain HTTP, so a share is never sent in clear: it is sealed to the
//! recipient's X25519 key, the engine's published key on upload and a key the owner makes for
//! the one request on download. The construction is HPKE's base mode reduced to one message
//! (RFC 9180 with X25519, HKDF-SHA256 and ChaCha20-Poly1305, without its labelled key schedule):
//!
//! ```text
//! ephemeral secret e, E = X25519(e, 9); shared = X25519(e, recipient)
//! key = HKDF-SHA256(salt = E || recipient, ikm = shared, info = "kernel-kms-seal-v1"), 32 bytes
//! sealed = E || ChaCha20-Poly1305(key, nonce = 0^12, message)
//! ```
//!
//! Each message has its own ephemeral key, so its AEAD key is used once and a fixed nonce is
//! safe. Putting both public keys in the salt binds the box to its recipient. A shared secret
//! of zero (a small-order public key) is refused. The CLI implements the same with `@noble`
//! (`modules/cli/lib/kms.js`); the test vectors in both keep the two in step.

use alloc::vec::Vec;
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	ChaCha20Poly1305, Key, Nonce,
};
use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};

/// The HKDF `info`: the construction's name and version.
pub const INFO: &[u8] = b"kernel-kms-seal-v1";
/// Bytes a sealed box adds to its message: the ephemeral public key and the tag.
pub const OVERHEAD: usize = 32 + 16;

/// The X25519 public key of `secret`.
pub fn public_key(secret: &[u8; 32]) -> [u8; 32] {
	PublicKey::from(&StaticSecret::from(*secret)).to_bytes()
}

/// Seals `message` to `recipient`, with `ephemeral` (32 fresh random bytes) as the one-time key.
/// `None` if `recipient` is a small-order point.
pub fn seal(recipient: &[u8; 32], ephemeral: [u8; 32], message: &[u8]) -> Option<Vec<u8>> {
	let ephemeral = StaticSecret::from(ephemeral);
	let ephemeral_public = PublicKey::from(&ephemeral).to_bytes();
	let cipher = cipher(&ephemeral, &ephemeral_public, recipient)?;
	let sealed = cipher.encrypt(&Nonce::default(), message).ok()?;
	let mut out = Vec::with_capacity(OVERHEAD + message.len());
	out.extend_from_slice(&ephemeral_public);
	out.extend_from_slice(&sealed);
	Some(out)
}

/// Opens a box sealed to the public key of `secret`; `None` if it was not sealed to it, was
/// altered, or is too short.
pub fn open(secret: &[u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
	if sealed.len() < OVERHEAD {
		return None;
	}
	let (ephemeral_public, ciphertext) = sealed.split_at(32);
	let ephemeral_public: [u8; 32] = ephemeral_public.try_into().ok()?;
	let secret = StaticSecret::from(*secret);
	let recipient = PublicKey::from(&secret).to_bytes();
	let shared = secret.diffie_hellman(&PublicKey::from(ephemeral_public));
	if !shared.was_contributory() {
		return None;
	}
	key_cipher(shared.as_bytes(), &ephemeral_public, &recipient)
		.decrypt(&Nonce::default(), ciphertext)
		.ok()
}

fn cipher(
	ephemeral: &StaticSecret,
	ephemeral_public: &[u8; 32],
	recipient: &[u8; 32],
) -> Option<ChaCha20Poly1305> {
	let shared = ephemeral.diffie_hellman(&PublicKey::from(*recipient));
	shared.was_contributory().then(|| key_cipher(shared.as_bytes(), ephemeral_public, recipient))
}

fn key_cipher(
	shared: &[u8; 32],
	ephemeral_public: &[u8; 32],
	recipient: &[u8; 32],
) -> ChaCha20Poly1305 {
	let mut salt = [0u8; 64];
	salt[..32].copy_from_slice(ephemeral_public);
	salt[32..].copy_from_slice(recipient);
	let mut key = [0u8; 32];
	// 32 bytes is far below HKDF-SHA256's 8160-byte output limit: expanding cannot fail.
	let _ = Hkdf::<Sha256>::new(Some(&salt), shared).expand(INFO, &mut key);
	ChaCha20Poly1305::new(Key::from_slice(&key))
}

#[cfg(test)]
mod tests {
	use super::*;

	const ENGINE_SECRET: [u8; 32] = [7; 32];
	const EPHEMERAL: [u8; 32] = [9; 32];

	fn hex(bytes: &[u8]) -> alloc::string::String {
		bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
	}

	#[test]
	fn a_sealed_box_opens_only_with_its_recipients_key_and_unaltered() {
		let engine = public_key(&ENGINE_SECRET);
		let sealed = seal(&engine, EPHEMERAL, b"a share").unwrap();
		assert_eq!(sealed.len(), OVERHEAD + 7);
		assert_eq!(open(&ENGINE_SECRET, &sealed).as_deref(), Some(&b"a share"[..]));
		assert_eq!(open(&[8; 32], &sealed), None, "another key");
		let mut altered = sealed.clone();
		*altered.last_mut().unwrap() ^= 1;
		assert_eq!(open(&ENGINE_SECRET, &altered), None, "an altered box");
		assert_eq!(open(&ENGINE_SECRET, &sealed[..OVERHEAD - 1]), None, "too short");
	}

	#[test]
	fn a_small_order_recipient_is_refused() {
		assert_eq!(seal(&[0; 32], EPHEMERAL, b"x"), None);
		let mut zero_point = [0u8; 80];
		zero_point[32..].copy_from_slice(&[1; 48]);
		assert_eq!(open(&ENGINE_SECRET, &zero_point), None);
	}

	/// The vector `tests/e2e/kms-crypto.test.js` checks the JavaScript side against.
	#[test]
	fn the_cross_implementation_vector() {
		let sealed = seal(&public_key(&ENGINE_SECRET), EPHEMERAL, b"kernel").unwrap();
		assert_eq!(
			hex(&public_key(&ENGINE_SECRET)),
			"13be4feaeaf204c7fd3358fc9c00721881d174278128227ec674f37f7fe97b6d"
		);
		assert_eq!(hex(&sealed), "57db4b359f23ae5e146e4e2512056704722506348c150c14753d0c933d04d4214d29c399fc5d6f05b5f4b1a667933b127a7cb3fc4766");
	}
}
