//! `cargo xtask codegen [--check]`: each vendor crate's `src/generated/` from its
//! `openapi.yaml`. See `docs/codegen.md`.
//!
//! The spec is parsed with `openapiv3`, read ([`read`]) into a small model ([`ir`]), emitted
//! with `quote` ([`emit`]), printed with `prettyplease` and finally formatted by `rustfmt`,
//! so that `cargo fmt --check` agrees with the files. Output is deterministic: spec order
//! everywhere, sorted keys where the spec has no order.

mod docs;
mod emit;
mod ir;
mod names;
mod read;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use quote::quote;

use crate::workspace_root;

const USAGE: &str =
    "usage: cargo xtask codegen [--check] [--spec <openapi.yaml> --vendor <name> --out <dir>]

Without --spec, regenerates every crates/<vendor>-api/src/generated/ from
crates/<vendor>-api/openapi.yaml. With --check, changes nothing and fails if any
generated file is stale.";

/// Runs `cargo xtask codegen` with the arguments after `codegen`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    let mut spec = None;
    let mut vendor = None;
    let mut out = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--check" => check = true,
            "--spec" => spec = Some(PathBuf::from(value("--spec")?)),
            "--vendor" => vendor = Some(value("--vendor")?),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    let targets = match (spec, vendor, out) {
        (None, None, None) => vendor_targets()?,
        (Some(spec), Some(vendor), Some(out)) => vec![Target { spec, vendor, out }],
        _ => return Err(format!("--spec, --vendor and --out go together\n\n{USAGE}")),
    };
    generate(&targets, check)
}

/// One spec and where its code goes.
struct Target {
    spec: PathBuf,
    vendor: String,
    out: PathBuf,
}

/// Every `crates/<vendor>-api/openapi.yaml`, in name order.
fn vendor_targets() -> Result<Vec<Target>, String> {
    let crates = workspace_root().join("crates");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .map_err(|e| format!("cannot read {}: {e}", crates.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|dir| dir.join("openapi.yaml").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err("no crates/*/openapi.yaml found".to_owned());
    }
    Ok(dirs
        .into_iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Target {
                spec: dir.join("openapi.yaml"),
                vendor: name.strip_suffix("-api").unwrap_or(&name).to_owned(),
                out: dir.join("src").join("generated"),
            }
        })
        .collect())
}

/// Generates every target, or in check mode compares with what is on disk.
fn generate(targets: &[Target], check: bool) -> Result<(), String> {
    let mut stale = Vec::new();
    for target in targets {
        let files = render(target)?;
        if check {
            stale.extend(compare(&target.out, &files));
        } else {
            write(&target.out, &files)?;
            println!("generated {}", display(&target.out));
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "generated code is stale:\n  {}\nrun `cargo xtask codegen`",
            stale.join("\n  ")
        ))
    }
}

/// A path relative to the workspace root, with `/` separators, for messages and headers.
fn display(path: &Path) -> String {
    let root = workspace_root();
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    match absolute.strip_prefix(&root) {
        Ok(relative) => relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        Err(_) => absolute.display().to_string(),
    }
}

/// The generated files of one target: (file name, contents).
fn render(target: &Target) -> Result<Vec<(&'static str, String)>, String> {
    let spec_name = display(&target.spec);
    let text = std::fs::read_to_string(&target.spec)
        .map_err(|e| format!("cannot read {spec_name}: {e}"))?;
    let parsed = read::parse(&text).map_err(|e| format!("{spec_name}: {e}"))?;
    let api = read::lower(&parsed).map_err(|e| format!("{spec_name}: {e}"))?;
    let header = format!(
        "// @generated by `cargo xtask codegen` from {spec_name}. Do not edit by hand: change the spec or the generator and run `cargo xtask codegen`.\n"
    );

    let mut module_doc = docs::Doc::default();
    module_doc.own(&format!(
        "Code generated from the OpenAPI description of the {}, `{spec_name}`.",
        api.api_name()
    ));
    module_doc.own(
        "Hand-written modules re-export what users need, so public paths do not depend on the \
         generator. To change anything here, edit the spec (or the generator) and run \
         `cargo xtask codegen`; see `docs/codegen.md`.",
    );
    let module_doc = module_doc.inner_tokens();
    let module = quote! {
        #module_doc
        pub mod models;
        pub mod operations;
    };
    let models = emit::models::file(&api);
    let operations = emit::operations::file(&api, &target.vendor);

    let mut examples = serde_json::Map::new();
    examples.insert(
        "@generated".to_owned(),
        serde_json::Value::String(format!(
            "by `cargo xtask codegen` from {spec_name}: example records per model, for the round-trip tests. Do not edit by hand."
        )),
    );
    for (name, values) in &api.examples {
        examples.insert(name.clone(), serde_json::Value::Array(values.clone()));
    }
    let examples = serde_json::to_string_pretty(&serde_json::Value::Object(examples))
        .map_err(|e| e.to_string())?
        + "\n";

    Ok(vec![
        ("mod.rs", rust_file(&header, module)?),
        ("models.rs", rust_file(&header, models)?),
        ("operations.rs", rust_file(&header, operations)?),
        ("examples.json", examples),
    ])
}

/// Prints tokens as a Rust file: prettyplease, then rustfmt so that `cargo fmt` agrees.
fn rust_file(header: &str, tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("the generator produced invalid Rust (a generator bug): {e}"))?;
    let text = format!("{header}\n{}", space_items(&prettyplease::unparse(&file)));
    rustfmt(&text)
}

/// Puts a blank line between items, which prettyplease does not.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut prev: Option<&str> = None;
    for line in text.lines() {
        if prev.is_some_and(|prev| needs_blank(prev, line)) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        prev = Some(line);
    }
    out
}

fn needs_blank(prev: &str, line: &str) -> bool {
    let indent = |s: &str| s.len() - s.trim_start().len();
    let (p, l) = (prev.trim(), line.trim());
    if p.is_empty() || l.is_empty() {
        return false;
    }
    if p.starts_with("//!") {
        return !l.starts_with("//!");
    }
    if indent(prev) != indent(line) {
        return false;
    }
    let item = [
        "///", "#[", "pub ", "fn ", "impl", "struct ", "enum ", "type ", "static ", "const ",
    ];
    if !item.iter().any(|s| l.starts_with(s)) {
        return false;
    }
    if p == "}" || p == "};" {
        return true;
    }
    let short_item = ["use ", "pub use ", "type ", "pub type ", "mod ", "pub mod "];
    p.ends_with(';')
        && short_item.iter().any(|s| p.starts_with(s))
        && !l.starts_with("use ")
        && !l.starts_with("pub mod ")
}

fn rustfmt(text: &str) -> Result<String, String> {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(&rustfmt)
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .current_dir(workspace_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run {rustfmt} (install it with `rustup component add rustfmt`): {e}")
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt failed: {e}"))?;
    writer
        .join()
        .map_err(|_| "rustfmt input thread panicked".to_owned())?
        .map_err(|e| format!("cannot write to rustfmt: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "rustfmt rejected the generated code (a generator bug): {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("rustfmt wrote invalid UTF-8: {e}"))
}

/// The files of `out` that differ from `files`, are missing, or should not be there.
fn compare(out: &Path, files: &[(&'static str, String)]) -> Vec<String> {
    let mut stale = Vec::new();
    for (name, contents) in files {
        let path = out.join(name);
        match std::fs::read_to_string(&path) {
            Ok(on_disk) if on_disk == *contents => {}
            Ok(_) => stale.push(format!("{} (differs)", display(&path))),
            Err(_) => stale.push(format!("{} (missing)", display(&path))),
        }
    }
    for extra in extra_files(out, files) {
        stale.push(format!("{} (not generated)", display(&extra)));
    }
    stale
}

fn extra_files(out: &Path, files: &[(&'static str, String)]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut extra: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            !files.iter().any(|(f, _)| Some(*f) == name.as_deref())
        })
        .collect();
    extra.sort();
    extra
}

fn write(out: &Path, files: &[(&'static str, String)]) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", display(out)))?;
    for extra in extra_files(out, files) {
        if extra.is_file() {
            std::fs::remove_file(&extra)
                .map_err(|e| format!("cannot remove {}: {e}", display(&extra)))?;
        }
    }
    for (name, contents) in files {
        let path = out.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == *contents) {
            continue;
        }
        std::fs::write(&path, contents)
            .map_err(|e| format!("cannot write {}: {e}", display(&path)))?;
    }
    Ok(())
}
