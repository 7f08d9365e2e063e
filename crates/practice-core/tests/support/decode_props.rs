//! The decoders' property tests, shared by both vendor crates (included by path from their
//! `tests/decode_props.rs`): a vendor lists its decoders in one function that runs each on a
//! body through [`check`], and [`decoders_never_panic!`] runs that function on arbitrary bytes
//! and on its valid payloads mutated byte by byte.

use practice_core::{Endpoint, ErrorKind};
use proptest::prelude::{TestCaseError, prop_assert_eq};

/// Applies `edits` to `base`: each `(at, byte, how)` replaces, removes or inserts one byte.
pub fn mutate(base: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for &(at, byte, how) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = at % bytes.len();
        match how % 3 {
            0 => bytes[at] = byte,
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, byte),
        }
    }
    bytes
}

/// Decodes `body` as `endpoint`'s answer: it may fail, but only as a decode error that names
/// the operation.
pub fn check<E: Endpoint>(endpoint: &E, body: &[u8]) -> Result<(), TestCaseError> {
    if let Err(err) = endpoint.decode(body) {
        prop_assert_eq!(err.kind(), ErrorKind::Decode);
        prop_assert_eq!(err.operation(), Some(endpoint.meta().name));
    }
    Ok(())
}

/// The two property tests: `$all` (every decoder on one body) on 512 arbitrary byte strings,
/// and on each of `$payloads` with one to five bytes replaced, removed or inserted.
macro_rules! decoders_never_panic {
    ($all:ident, [$($payload:expr),+ $(,)?]) => {
        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig {
                cases: 512,
                ..proptest::prelude::ProptestConfig::default()
            })]

            #[test]
            fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
                $all(&body)?;
            }

            #[test]
            fn mutated_payloads_never_panic(edits in proptest::collection::vec(
                (proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>(), proptest::prelude::any::<u8>()),
                1..6,
            )) {
                $( $all(&crate::decode_props::mutate($payload, &edits))?; )+
            }
        }
    };
}
