//! Golden tests of the generator: each `tests/fixtures/<name>.yaml` must generate exactly the
//! files in `tests/golden/<name>/`. After an intended change to the generator, rewrite them
//! with `UPDATE_GOLDEN=1 cargo test -p xtask --test golden` and review the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn codegen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .args(args)
        .output()
        .expect("xtask runs")
}

fn fixtures() -> Vec<PathBuf> {
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(tests_dir().join("fixtures"))
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty(), "no fixtures");
    fixtures
}

fn name(fixture: &Path) -> String {
    fixture
        .file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fixtures_generate_the_golden_files() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for fixture in fixtures() {
        let name = name(&fixture);
        let out = tests_dir().join("golden").join(&name);
        let (spec, out_arg) = (fixture.to_string_lossy(), out.to_string_lossy());
        let mut args = vec!["--spec", &spec, "--vendor", &name, "--out", &out_arg];
        if !update {
            args.push("--check");
        }
        let output = codegen(&args);
        assert!(
            output.status.success(),
            "golden files of {name} are stale; if the change is intended, run \
             `UPDATE_GOLDEN=1 cargo test -p xtask --test golden` and review the diff:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn check_mode_names_stale_files_and_the_command_to_run() {
    let fixture = tests_dir().join("fixtures").join("clinic.yaml");
    let out = std::env::temp_dir().join(format!("xtask-codegen-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (spec, out_arg) = (fixture.to_string_lossy(), out.to_string_lossy());
    let base = ["--spec", &spec, "--vendor", "clinic", "--out", &out_arg];

    assert!(codegen(&base).status.success());
    let mut check = base.to_vec();
    check.push("--check");
    assert!(
        codegen(&check).status.success(),
        "fresh output passes --check"
    );

    let models = out.join("models.rs");
    let edited = std::fs::read_to_string(&models).unwrap() + "// edited by hand\n";
    std::fs::write(&models, edited).unwrap();
    std::fs::write(out.join("extra.rs"), "").unwrap();
    let output = codegen(&check);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("models.rs (differs)"), "{stderr}");
    assert!(stderr.contains("extra.rs (not generated)"), "{stderr}");
    assert!(stderr.contains("run `cargo xtask codegen`"), "{stderr}");
    assert!(!stderr.contains("operations.rs"), "{stderr}");

    assert!(codegen(&base).status.success());
    assert!(codegen(&check).status.success(), "regenerating repairs it");
    assert!(!out.join("extra.rs").exists());
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn generation_is_deterministic() {
    for fixture in fixtures() {
        let name = name(&fixture);
        let runs: Vec<Vec<(String, String)>> = (0..2)
            .map(|run| {
                let out = std::env::temp_dir().join(format!(
                    "xtask-codegen-det-{}-{name}-{run}",
                    std::process::id()
                ));
                let _ = std::fs::remove_dir_all(&out);
                let (spec, out_arg) = (fixture.to_string_lossy(), out.to_string_lossy());
                let output = codegen(&["--spec", &spec, "--vendor", &name, "--out", &out_arg]);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let mut files: Vec<(String, String)> = std::fs::read_dir(&out)
                    .unwrap()
                    .map(|e| {
                        let p = e.unwrap().path();
                        (
                            p.file_name().unwrap().to_string_lossy().into_owned(),
                            std::fs::read_to_string(&p).unwrap(),
                        )
                    })
                    .collect();
                files.sort();
                let _ = std::fs::remove_dir_all(&out);
                files
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{name} generates differently twice");
    }
}

#[test]
fn a_spec_error_names_the_spec_and_the_place() {
    let dir = std::env::temp_dir().join(format!("xtask-codegen-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bad.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: Bad, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      x-exactly-one-of: [[a, b]]\n      responses:\n        '204': {description: none}\n",
    )
    .unwrap();
    let (spec_arg, out_arg) = (
        spec.to_string_lossy(),
        dir.join("out").to_string_lossy().into_owned(),
    );
    let output = codegen(&["--spec", &spec_arg, "--vendor", "bad", "--out", &out_arg]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("bad.yaml"), "{stderr}");
    assert!(stderr.contains("GET /x"), "{stderr}");
    assert!(stderr.contains("`a`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
