use super::*;

/// A build directory and a dependency prefix with `libdep.so`, and flags
/// that know both.
fn setup() -> (tempfile::TempDir, Flags, String, String) {
    let root = tempfile::tempdir().unwrap();
    let top = root.path().join("build");
    let dep = root.path().join("dep");
    std::fs::create_dir_all(top.join("src/.libs")).unwrap();
    std::fs::create_dir_all(dep.join("lib")).unwrap();
    std::fs::write(dep.join("lib/libdep.so"), "").unwrap();
    std::fs::write(top.join("src/.libs/libown.so"), "").unwrap();
    let flags = Flags {
        build_top: Some(top.display().to_string()),
        prefixes: vec![dep.display().to_string()],
        ..Flags::default()
    };
    (
        root,
        flags,
        top.display().to_string(),
        dep.join("lib").display().to_string(),
    )
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_dependency_directory_goes_in_only_when_a_named_library_is_there() {
    let (_root, flags, _, dep_lib) = setup();
    let own = vec!["/out/lib".to_string()];
    let link = Link::from_compiler_args(&args(&["a.o", &format!("-L{dep_lib}"), "-ldep", "-lm"]));
    assert_eq!(link.run_path(&own, &flags), vec![dep_lib.clone()]);
    let link = Link::from_compiler_args(&args(&["a.o", &format!("-L{dep_lib}"), "-lother"]));
    assert!(link.run_path(&own, &flags).is_empty());
}

#[test]
fn the_own_library_directory_comes_first_when_an_own_library_is_linked() {
    let (_root, flags, top, dep_lib) = setup();
    let own = vec!["/out/lib".to_string()];
    let link = Link::from_compiler_args(&args(&[
        "a.o",
        &format!("-L{top}/src/.libs"),
        "-lown",
        "-Wl,-L",
        &format!("-Wl,{dep_lib}"),
        "-ldep",
    ]));
    assert_eq!(
        link.run_path(&own, &flags),
        vec!["/out/lib".to_string(), dep_lib]
    );
    // Given by path, with `..` in it.
    let link = Link::from_compiler_args(&args(&[
        "a.o",
        &format!("{top}/src/../src/.libs/libown.so"),
    ]));
    assert_eq!(link.run_path(&own, &flags), own);
}

#[test]
fn output_names_and_relocatable_links_add_nothing() {
    let (_root, flags, _, dep_lib) = setup();
    let own = vec!["/out/lib".to_string()];
    let link = Link::from_compiler_args(&args(&["-o", "libx.so.1", "a.o"]));
    assert!(link.run_path(&own, &flags).is_empty());
    let mut link = Link::default();
    link.add_ld_words(["-r", "-L", dep_lib.as_str(), "-ldep"].into_iter());
    assert!(link.run_path(&own, &flags).is_empty());
}

#[test]
fn a_library_given_by_path_in_a_dependency() {
    let (_root, flags, _, dep_lib) = setup();
    let link = Link::from_compiler_args(&args(&["a.o", &format!("{dep_lib}/libdep.so")]));
    assert_eq!(link.run_path(&[], &flags), vec![dep_lib]);
}

#[test]
fn rpath_pairs_are_split_out() {
    let (rest, rpaths) = split_rpaths(["-rpath", "/o/lib", "-L/d/lib", "-rpath=/x"].into_iter());
    assert_eq!(rest, vec!["-L/d/lib"]);
    assert_eq!(rpaths, vec!["/o/lib", "/x"]);
    assert_eq!(
        LinkType::of(["-static", "-static-pie"].into_iter()),
        LinkType::StaticPie
    );
}
