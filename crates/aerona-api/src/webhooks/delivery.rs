//! One delivery as received, and the key its redeliveries share.

use std::fmt;

use practice_core::bytes::Bytes;

/// One delivery as received, after its checks. Cheap to clone; store it raw if you like.
#[derive(Clone)]
pub struct Delivery {
    body: Bytes,
    dedup_key: String,
}

impl Delivery {
    /// Wraps a raw body (for example one stored earlier).
    pub fn from_body(body: Bytes) -> Self {
        let dedup_key = dedup_key(&body);
        Delivery { body, dedup_key }
    }

    /// The body exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The key under which redeliveries of this delivery are recognised.
    pub fn dedup_key(&self) -> &str {
        &self.dedup_key
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body is patient data: length only.
        f.debug_struct("Delivery")
            .field("bytes", &self.body.len())
            .field("dedup_key", &self.dedup_key)
            .finish()
    }
}

/// A delivery's identity. Aerona documents no event or delivery id, and a redelivery is the
/// same request again, so the identity is the verified body itself: its 128-bit XXH3 digest
/// plus its length. XXH3 is specified and seedless, so the key is the same in every process
/// and version (a store shared by replicas works); bodies reach it only after the secret check,
/// so nobody but Aerona chooses them, and an accidental collision among a day's deliveries is
/// vanishingly unlikely (about 2^-90 at a million). Two different events with byte-identical
/// bodies share the key: see "Webhooks" in `docs/aerona.md`.
fn dedup_key(body: &[u8]) -> String {
    let digest = xxhash_rust::xxh3::xxh3_128(body);
    format!("aerona-webhook:v2:{digest:032x}:{}", body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_bodys_identity() {
        let a = Delivery::from_body(Bytes::from_static(br#"{"event":"Patient","id":1}"#));
        let again = Delivery::from_body(Bytes::from_static(br#"{"event":"Patient","id":1}"#));
        let other = Delivery::from_body(Bytes::from_static(br#"{"event":"Patient","id":2}"#));
        assert_eq!(a.dedup_key(), again.dedup_key());
        assert_ne!(a.dedup_key(), other.dedup_key());
        // Pinned, so a change of hash (which would double-handle across an upgrade) is seen.
        assert_eq!(
            Delivery::from_body(Bytes::from_static(b"")).dedup_key(),
            format!(
                "aerona-webhook:v2:{:032x}:0",
                xxhash_rust::xxh3::xxh3_128(b"")
            )
        );
        assert!(!format!("{a:?}").contains("Patient"), "Debug shows no body");
    }
}
