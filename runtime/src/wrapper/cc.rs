//! The compiler wrapper's flags (pkgs/build-support/cc-wrapper/
//! cc-wrapper.sh): what goes before and after the caller's arguments.

use std::ffi::OsString;

use super::link::{Link, LinkType};
use super::{os, words, Flags, Wrapped};

/// The flags to add to a compiler call with `args`.
pub(super) fn wrap(args: &[OsString], flags: &Flags) -> Wrapped {
    let text: Vec<String> = super::response_file::expand(args);
    // As cc-wrapper.sh: `gcc -v` alone gets nothing added.
    if text.len() == 1 && text[0] == "-v" {
        return Wrapped::default();
    }
    let mut wrapped = Wrapped::default();
    wrapped
        .before
        .extend(words(&flags.cflags_compile_before).map(os));
    wrapped.after.extend(words(&flags.cflags_compile).map(os));
    if let Some(top) = flags.build_top.as_deref().filter(|t| *t != "/build") {
        wrapped
            .after
            .push(os(format!("-ffile-prefix-map={top}=/build")));
    }
    if !links(&text) {
        return wrapped;
    }
    wrapped.links = true;
    let link_type = LinkType::of(
        words(&flags.ldflags_before)
            .chain(text.iter().map(String::as_str))
            .chain(words(&flags.cflags_link))
            .chain(words(&flags.ldflags)),
    );
    // A static PIE cannot have a run path (glibc refuses it):
    // filterRpathFlags drops every `-rpath DIR`.
    let static_pie = link_type == LinkType::StaticPie;
    let (cflags_link, _) = super::link::split_rpaths(words(&flags.cflags_link));
    if static_pie {
        wrapped.after.extend(cflags_link.iter().map(os));
    } else {
        wrapped.after.extend(words(&flags.cflags_link).map(os));
    }
    for word in words(&flags.ldflags_before) {
        wrapped.before.push(os(format!("-Wl,{word}")));
    }
    // NIX_LDFLAGS: `-L/dir` as it is, everything else through -Wl; its
    // `-rpath DIR` entries (the package's own library directory) are the
    // run path [`Link`] decides on.
    let (ldflags, own_rpaths) = super::link::split_rpaths(words(&flags.ldflags));
    for word in &ldflags {
        if word.starts_with("-L/") {
            wrapped.after.push(os(word));
        } else {
            wrapped.after.push(os(format!("-Wl,{word}")));
        }
    }
    if static_pie {
        return wrapped;
    }
    let mut link = Link::from_compiler_args(&text);
    link.add_ld_words(ldflags.iter().map(String::as_str));
    for dir in link.run_path(&own_rpaths, flags) {
        wrapped.after.push(os(format!("-Wl,-rpath,{dir}")));
    }
    wrapped
}

/// Whether the compiler will link (cc-wrapper.sh's `dontLink` is unset):
/// none of `-c`, `-S`, `-E`, `-M`, `-MM`, no header as the input, and at
/// least one argument that is not a flag.
fn links(args: &[String]) -> bool {
    let mut non_flag = false;
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-c" | "-S" | "-E" | "-M" | "-MM" => return false,
            "-x" => {
                if iter.peek().is_some_and(|next| next.ends_with("-header")) {
                    return false;
                }
            }
            a if a.starts_with("-x") && a.ends_with("-header") => return false,
            "--" => {
                non_flag |= iter.peek().is_some();
                break;
            }
            a if a.starts_with('-') && a.len() > 1 => {}
            _ => non_flag = true,
        }
    }
    non_flag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn what_links() {
        assert!(links(&strings(&["a.o", "-o", "a"])));
        assert!(!links(&strings(&["-c", "a.c"])));
        assert!(!links(&strings(&["-E", "-"])));
        assert!(!links(&strings(&["-x", "c-header", "a.h"])));
        assert!(!links(&strings(&["--version"])));
        assert!(links(&strings(&["-", "-o", "x"])));
    }
}
