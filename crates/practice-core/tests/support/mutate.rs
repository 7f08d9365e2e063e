//! Byte-level mutations of a valid payload for the decoders' property tests (included by path
//! from both vendor crates).

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
