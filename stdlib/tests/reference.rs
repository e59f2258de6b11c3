//! `stdlib/REFERENCE.md` is generated from the registry; this fails when
//! it is stale. Regenerate with
//! `cargo run -p phaser -- std --reference > stdlib/REFERENCE.md`
//! (or run this test with `PHASER_BLESS=1`).

#[test]
fn reference_manual_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("REFERENCE.md");
    let generated = phaser_stdlib::registry().reference_markdown();
    if std::env::var_os("PHASER_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "stdlib/REFERENCE.md is stale: run `cargo run -p phaser -- std --reference > stdlib/REFERENCE.md`"
    );
}
