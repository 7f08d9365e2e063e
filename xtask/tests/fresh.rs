//! Fails `cargo test` when a vendor crate's generated code is stale, like rust-analyzer's
//! codegen tests: it runs `cargo xtask codegen --check` on the real specs.

use std::process::Command;

#[test]
fn generated_code_is_fresh() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check"])
        .output()
        .expect("xtask runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
