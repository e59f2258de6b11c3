//! The driver's dump (one `declare -p` the runner parses, see
//! `driver_functions.sh`) against the loop it replaced
//! (`testdata/dump_by_loop.sh`): whatever variables, values, name
//! references and functions a phase leaves, both must give the runner the
//! same. Each case runs twice: once where the long-lived bash's list of
//! starting functions lets the dump skip the functions, once without it.

use std::collections::BTreeMap;
use std::process::Command;

use super::changes::{Dump, Variable};
use super::vars::SHELL_OWNED;

const LOOP: &str = include_str!("testdata/dump_by_loop.sh");

/// Runs `script` at the top level of a bash set up as a phase's, then
/// dumps both ways and parses both dumps.
fn both_dumps(script: &str, with_starting_functions: bool) -> (Dump, Dump) {
    let dir = tempfile::tempdir().unwrap();
    let prelude = dir.path().join("prelude.sh");
    std::fs::write(&prelude, super::prelude()).unwrap();
    let starting_functions = if with_starting_functions {
        "declare -F >\"$__phaser_dir/functions\"\n\
         IFS= read -r -d '' __phaser_functions_at_start <\"$__phaser_dir/functions\" || :\n"
    } else {
        ""
    };
    let program = format!(
        "{options}source \"$__phaser_dir/prelude.sh\"\n{functions}{LOOP}\n{starting_functions}\
         {script}\n\
         __phaser_loop_dump=$__phaser_dir/by-loop PHASER_DUMP=$__phaser_dir/by-listing\n\
         __phaser_dump_by_loop\n\
         __phaser_dump\n",
        options = super::OPTIONS,
        functions = super::DRIVER_FUNCTIONS,
    );
    let output = Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &program, "parity"])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("__phaser_dir", dir.path())
        .env("EXPORTED_AT_START", "x")
        .current_dir(dir.path())
        .output()
        .expect("running bash");
    assert!(
        output.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read = |name: &str| {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        Dump::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    (read("by-loop"), read("by-listing"))
}

/// Asserts that both dumps of `script` agree on everything but what
/// changes by itself between two reads (`RANDOM`, `SECONDS`, ...);
/// returns the driver's dump.
fn assert_same(script: &str) -> Dump {
    for with_starting_functions in [false, true] {
        let (by_loop, by_listing) = both_dumps(script, with_starting_functions);
        let steady = |dump: &Dump| {
            dump.variables
                .iter()
                .filter(|(name, _)| !SHELL_OWNED.contains(&name.as_str()))
                .map(|(name, variable)| (name.clone(), variable.clone()))
                .collect::<BTreeMap<_, _>>()
        };
        assert_eq!(by_loop.cwd, by_listing.cwd, "{script}");
        assert_eq!(steady(&by_loop), steady(&by_listing), "{script}");
        assert_eq!(by_loop.functions, by_listing.functions, "{script}");
        if with_starting_functions {
            return by_listing;
        }
    }
    unreachable!()
}

/// The scalar `name` in `dump`.
fn scalar<'d>(dump: &'d Dump, name: &str) -> &'d str {
    match dump.variables.get(name) {
        Some(Variable::Scalar { value, .. }) => value,
        other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn scalars_with_every_kind_of_character_read_the_same() {
    let dump = assert_same(
        r#"plain=abc empty= spaces='a  b '
quotes=\"\'\"\' dollar='$x ${y} $(z) `w`' backslash='a\b\\c\' bang='!x!!'
newline=$'a\nb\n' tab=$'\t' control=$'\001\002\033\177' high=$'\200\377\xc3'
utf8='é ü 日本 😀' mixed=$'é\n\377x' glob='*?[a]' braces='{a,b}' tilde='~root'
export EXPORTED=$'e\nx' EXPORTED_AT_START=changed
declare -gi number=42
declare -gl lower=ABC
declare -gu upper=abc
declare -gr readonly_one=ro
declare -gt traced=t
IFS=:
unset PATH"#,
    );
    assert_eq!(scalar(&dump, "dollar"), "$x ${y} $(z) `w`");
    assert_eq!(scalar(&dump, "control"), "\u{1}\u{2}\u{1b}\u{7f}");
    assert!(!dump.variables.contains_key("PATH"));
}

#[test]
fn values_read_the_same_in_a_utf8_and_in_the_c_locale() {
    let values = "a=$'é\\377\\n日' b=$'\\xe2\\x82' c=$'\\xf0\\x9f\\x98\\x80z'";
    assert_same(&format!("LC_ALL=C.UTF-8\n{values}"));
    assert_same(&format!("LC_ALL=C\n{values}"));
}

#[test]
fn arrays_and_associative_arrays_read_the_same() {
    let dump = assert_same(
        r#"list=(a 'b c' '' $'d\ne' '"q"' '$v' '\')
sparse=([3]=x [10]=y [100]=$'\377')
empty_list=()
declare -gax exported_list=(1 2)
declare -gA map=([plain]=1 ['sp ace']=2 [$'nl\n']=3 ['q"']=4 ['*']=5 [a=b]=6 [']']=7 ['$x']=8 [é]=9 ['\']=10 ['`']=11 [$'\t']=12)
declare -gA empty_map=()
declare -gA big
for i in {1..200}; do big[key$i]=value$i; done
configureFlags+=(--with-x)"#,
    );
    assert!(matches!(&dump.variables["map"], Variable::Assoc(pairs) if pairs.len() == 12));
    assert!(matches!(&dump.variables["sparse"], Variable::Array(items) if items.len() == 3));
}

#[test]
fn variables_declared_but_never_set_read_the_same() {
    assert_same("declare -g u; declare -gx ux; declare -ga ua; declare -gA uh; declare -gi ui");
}

#[test]
fn name_references_read_as_what_they_refer_to() {
    let dump = assert_same(
        r#"export ex=1; arr=([0]=x [5]='y z'); declare -gA h=([k]=v [x]=w); s=plain; i=4
declare -gn to_exported=ex to_array=arr to_map=h to_element=arr[5] to_ref=to_exported
declare -gn to_key=h[k] to_nothing=nothing to_missing_element=arr[9] to_sum=arr[i+1]
declare -gn to_negative=arr[-1] to_scalar=s"#,
    );
    assert_eq!(scalar(&dump, "to_element"), "y z");
    assert_eq!(scalar(&dump, "to_sum"), "y z");
}

#[test]
fn functions_read_the_same_whether_defined_changed_or_removed() {
    assert!(assert_same("").functions.is_empty());
    let dump = assert_same(
        r#"mine() { echo "mine $1"; }
with_heredoc() {
    cat <<EOT
}
declare -f x
EOT
}
substituteInPlace() { echo redefined; }
unset -f stripHash
export -f mine
__phaser_own() { :; }"#,
    );
    let names: Vec<&str> = dump.functions.keys().map(String::as_str).collect();
    assert_eq!(names, ["mine", "with_heredoc"]);
}

#[test]
fn random_values_and_keys_read_the_same() {
    // A small xorshift: the same bytes every run, any byte but NUL.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random_word = |len: usize| {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                format!("\\x{:02x}", (seed % 255 + 1) as u8)
            })
            .collect::<String>()
    };
    let mut script = String::from("declare -gA random_map\n");
    for i in 0..150 {
        let value = random_word(i % 17);
        let key = random_word(1 + i % 9);
        script.push_str(&format!(
            "random_{i}=$'{value}'\nrandom_list+=($'{value}')\nrandom_map[$'{key}']=$'{value}'\n"
        ));
    }
    let dump = assert_same(&script);
    assert!(matches!(&dump.variables["random_list"], Variable::Array(items) if items.len() == 150));
    assert_same(&format!("LC_ALL=C\n{script}"));
}
