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

/// A redelivery carries the same body; the key is a stable 64-bit FNV-1a digest of it plus its
/// length (stable across processes and versions, so a shared store works).
fn dedup_key(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in body {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("aerona-webhook:{hash:016x}:{}", body.len())
}
