//! `practice sandbox`: both simulators served until interrupted.

use practice_sandbox::{Sandbox, SandboxConfig};

use crate::exit::Failure;
use crate::output::print;

/// `text` quoted for a POSIX shell: inside single quotes, where only `'` needs care.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The `export` lines that point the CLI, or any program reading the same variables, at
/// `sandbox`.
fn sandbox_env(sandbox: &Sandbox) -> String {
    let creds = sandbox.credentials();
    [
        ("ALOHA_BASE_URL", sandbox.aloha_base_url()),
        ("ALOHA_CLIENT_ID", creds.aloha_client_id.clone()),
        ("ALOHA_SECRET_KEY", creds.aloha_secret_key.clone()),
        ("AERONA_BASE_URL", sandbox.aerona_base_url()),
        ("AERONA_USERNAME", creds.aerona_username.clone()),
        ("AERONA_PASSWORD", creds.aerona_password.clone()),
        ("AERONA_PIN", creds.aerona_pin.clone()),
    ]
    .iter()
    .map(|(name, value)| format!("export {name}={}\n", shell_quoted(value)))
    .collect()
}

pub async fn serve(port: u16, print_env: bool, variant: bool, seed: u64) -> Result<(), Failure> {
    let config = SandboxConfig {
        port,
        seed,
        ..SandboxConfig::default()
    }
    .with_variant(variant);
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| Failure::local(format!("could not start the sandbox on port {port}: {e}")))?;
    let creds = sandbox.credentials();
    let text = if print_env {
        sandbox_env(&sandbox)
    } else {
        format!(
            "aloha  {}  ALOHA_CLIENT_ID={} ALOHA_SECRET_KEY={}\naerona {}  AERONA_USERNAME={} AERONA_PASSWORD={}\n",
            sandbox.aloha_base_url(),
            creds.aloha_client_id,
            creds.aloha_secret_key,
            sandbox.aerona_base_url(),
            creds.aerona_username,
            creds.aerona_password
        )
    };
    // Serving goes on whether or not anyone read the lines.
    print(&text)?;
    eprintln!("practice: sandbox running; press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::local(format!("could not wait for Ctrl-C: {e}")))?;
    sandbox.stop().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quoted("plain"), "'plain'");
        assert_eq!(shell_quoted("it's $HOME"), r"'it'\''s $HOME'");
    }
}
