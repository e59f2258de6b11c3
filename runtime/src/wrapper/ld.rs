//! The linker wrapper's flags (pkgs/build-support/bintools-wrapper/
//! ld-wrapper.sh), for `ld` called directly. Called by a compiler the
//! compiler wrapper ran, it adds nothing: that link has its flags.

use std::ffi::OsString;

use super::link::{split_rpaths, Link, LinkType};
use super::{os, words, Flags, Wrapped};

/// The flags to add to a linker call with `args`.
pub(super) fn wrap(args: &[OsString], flags: &Flags) -> Wrapped {
    if flags.called_by_cc {
        return Wrapped::default();
    }
    let text = super::response_file::expand(args);
    let mut wrapped = Wrapped::default();
    let link_type = LinkType::of(
        words(&flags.ldflags_before)
            .chain(text.iter().map(String::as_str))
            .chain(words(&flags.ldflags)),
    );
    let before: Vec<String> = words(&flags.ldflags_before).map(str::to_string).collect();
    let (ldflags, own_rpaths) = split_rpaths(words(&flags.ldflags));
    let after: Vec<String> = words(&flags.ldflags_after).map(str::to_string).collect();
    wrapped.before.extend(before.iter().map(os));
    wrapped.after.extend(ldflags.iter().map(os));
    wrapped.after.extend(after.iter().map(os));
    if link_type == LinkType::StaticPie {
        return wrapped;
    }
    let mut link = Link::default();
    link.add_ld_words(
        before
            .iter()
            .chain(&text)
            .chain(&ldflags)
            .chain(&after)
            .map(String::as_str),
    );
    for dir in link.run_path(&own_rpaths, flags) {
        wrapped.after.push(os("-rpath"));
        wrapped.after.push(os(dir));
    }
    wrapped
}
