//! The README is the operations guide, so it must not promise what the program lacks: every
//! `a0snap` command and flag it shows exists (asked of the real binary's `--help`), every
//! `AUTH0_*`/`A0SNAP_*` variable it names is one the program reads, every variable the program
//! reads has a row in its configuration table, every endpoint of its scopes table has that scope and
//! an example, and every job-file example is a valid job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use a0snap::config::variables;
use a0snap::endpoint::{KNOWN, lookup};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

/// What the README shows as code: each line of a fenced block, and each inline `span`
/// outside them, with the fence's language for blocks.
struct Code {
    /// Lines of fenced blocks, with the block's info string.
    block_lines: Vec<(String, String)>,
    /// Inline spans.
    spans: Vec<String>,
}

fn code(text: &str) -> Code {
    let mut block_lines = Vec::new();
    let mut spans = Vec::new();
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            fence = match fence {
                None => Some(info.trim().to_owned()),
                Some(_) => None,
            };
            continue;
        }
        match &fence {
            Some(info) => block_lines.push((info.clone(), line.to_owned())),
            None => spans.extend(line.split('`').skip(1).step_by(2).map(str::to_owned)),
        }
    }
    Code { block_lines, spans }
}

/// The fenced blocks of one language, whole.
fn blocks(text: &str, language: &str) -> Vec<String> {
    let mut found = Vec::new();
    // The open block's language and text.
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            match open.take() {
                Some((info, body)) if info == language => found.push(body),
                Some(_) => {}
                None => open = Some((info.trim().to_owned(), String::new())),
            }
            continue;
        }
        if let Some((_, body)) = &mut open {
            body.push_str(line);
            body.push('\n');
        }
    }
    found
}

/// Runs the binary with `args` and returns its stdout.
fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_a0snap"))
        .args(args)
        .env_clear()
        .output()
        .expect("a0snap runs");
    assert!(output.status.success(), "a0snap {args:?} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The subcommands `a0snap --help` lists (without `help`).
fn subcommands() -> BTreeSet<String> {
    let text = help(&["--help"]);
    text.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The long flags in a help text, and whether each takes a value (`--out <DIR>`): the first
/// `--` word of each line that starts with a flag.
fn flags(help_text: &str) -> BTreeMap<String, bool> {
    let mut flags = BTreeMap::new();
    for line in help_text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words.first().is_some_and(|word| word.starts_with('-')) {
            continue;
        }
        if let Some(index) = words.iter().take(2).position(|word| word.starts_with("--")) {
            let takes_value = words
                .get(index + 1)
                .is_some_and(|next| next.starts_with('<'));
            flags.insert(words[index].trim_end_matches(',').to_owned(), takes_value);
        }
    }
    flags
}

/// Tokens after which a word is in command position in a shell line.
const COMMAND_POSITION: &[&str] = &[
    "|", "||", "&&", ";", "exec", "sudo", "--", "then", "do", "time", "nohup",
];

/// One `a0snap ...` invocation in the README: the subcommand (if any) and the flags given.
#[derive(Debug)]
struct Invocation {
    text: String,
    subcommand: Option<String>,
    flags: Vec<String>,
}

/// Finds `a0snap` invocations in one line of code.
fn invocations(line: &str, value_flags: &BTreeSet<String>) -> Vec<Invocation> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let mut found = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        let bare = token.trim_start_matches(['"', '\'', '$', '(']);
        let quoted_start = bare.len() != token.len();
        let after_separator = index == 0
            || quoted_start
            || COMMAND_POSITION.contains(&tokens[index - 1])
            || tokens[index - 1].ends_with(';');
        if bare != "a0snap" || !after_separator {
            continue;
        }
        let mut invocation = Invocation {
            text: line.trim().to_owned(),
            subcommand: None,
            flags: Vec::new(),
        };
        let mut expects_value = false;
        for token in &tokens[index + 1..] {
            if token.starts_with(['#', '|', '>', '<', ';', '&', ')']) || token.starts_with("2>") {
                break;
            }
            // `$(a0snap token)`, `'... a0snap validate'`, `a0snap stop;`: the line goes on,
            // the invocation ends here.
            let closes = token.ends_with(['"', '\'', ')', ';']);
            let word = token
                .trim_start_matches('[')
                .trim_end_matches(['"', '\'', ')', ';', ']', '.']);
            if word.starts_with("--") {
                let flag = word.split('=').next().unwrap_or(word);
                expects_value = value_flags.contains(flag) && !word.contains('=');
                invocation.flags.push(flag.to_owned());
            } else if expects_value {
                expects_value = false;
            } else if invocation.subcommand.is_none() && !word.is_empty() {
                invocation.subcommand = Some(word.to_owned());
            }
            if closes {
                break;
            }
        }
        found.push(invocation);
    }
    found
}

#[test]
fn every_command_and_flag_the_readme_shows_exists_and_every_command_is_shown() {
    let text = readme();
    let code = code(&text);
    let commands = subcommands();
    let top_flags = flags(&help(&["--help"]));
    let command_flags: BTreeMap<String, BTreeMap<String, bool>> = commands
        .iter()
        .map(|command| (command.clone(), flags(&help(&[command, "--help"]))))
        .collect();
    let all_flags: BTreeMap<String, bool> = command_flags
        .values()
        .chain([&top_flags])
        .flat_map(|flags| flags.clone())
        .collect();
    let value_flags: BTreeSet<String> = all_flags
        .iter()
        .filter(|(_, takes_value)| **takes_value)
        .map(|(flag, _)| flag.clone())
        .collect();

    let lines = code
        .block_lines
        .iter()
        .filter(|(language, _)| language != "toml")
        .map(|(_, line)| line.clone())
        .chain(code.spans.iter().cloned());
    let mut problems = Vec::new();
    let mut shown = BTreeSet::new();
    for invocation in lines.flat_map(|line| invocations(&line, &value_flags)) {
        let known = match &invocation.subcommand {
            None => &top_flags,
            Some(command) => match command_flags.get(command) {
                Some(flags) => {
                    shown.insert(command.clone());
                    flags
                }
                None => {
                    problems.push(format!(
                        "`{}`: {command} is not a command of a0snap ({commands:?})",
                        invocation.text
                    ));
                    continue;
                }
            },
        };
        for flag in &invocation.flags {
            if !known.contains_key(flag) {
                problems.push(format!("`{}`: a0snap has no {flag} there", invocation.text));
            }
        }
    }
    for span in &code.spans {
        let flag = span.split_whitespace().next().unwrap_or_default();
        if flag.starts_with("--") && !all_flags.contains_key(flag) {
            problems.push(format!("`{span}`: a0snap has no flag {flag}"));
        }
    }
    for command in commands.difference(&shown) {
        problems.push(format!(
            "the README never shows `a0snap {command}`, which exists"
        ));
    }
    assert!(
        problems.is_empty(),
        "README problems:\n  {}",
        problems.join("\n  ")
    );
    assert!(
        shown.contains("run") && shown.contains("token"),
        "{shown:?}"
    );
}

/// Every `AUTH0_X`/`A0SNAP_X` name in `text` (names ending in `_`, as in `AUTH0_*`, excluded).
fn variables_named(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes = text.as_bytes();
    for prefix in ["AUTH0_", "A0SNAP_"] {
        for (start, _) in text.match_indices(prefix) {
            let boundary = start == 0 || {
                let before = bytes[start - 1];
                !(before.is_ascii_alphanumeric() || before == b'_')
            };
            let end = text[start..]
                .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                .map_or(text.len(), |offset| start + offset);
            let name = &text[start..end];
            if boundary && !name.ends_with('_') {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

/// The rows of the table under `## Configuration`: the variables named in each first cell,
/// and the number of cells.
fn configuration_rows(text: &str) -> Vec<(BTreeSet<String>, usize)> {
    let section = text
        .split("\n## ")
        .find(|section| section.starts_with("Configuration"))
        .expect("a ## Configuration section");
    section
        .lines()
        .filter(|line| line.starts_with('|'))
        .skip(2) // header and rule
        .map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            (variables_named(cells[0]), cells.len())
        })
        .collect()
}

#[test]
fn every_variable_the_readme_names_is_read_by_the_program_and_every_one_is_in_the_table() {
    let text = readme();
    let read: BTreeSet<String> = variables().keys().map(|name| (*name).to_owned()).collect();
    let named = variables_named(&text);
    let unknown: Vec<&String> = named.difference(&read).collect();
    assert!(
        unknown.is_empty(),
        "the README names variables a0snap does not read: {unknown:?}; fix the README or add them to config::variables()"
    );
    let rows = configuration_rows(&text);
    let documented: BTreeSet<String> = rows.iter().flat_map(|(names, _)| names.clone()).collect();
    let missing: Vec<&String> = read.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "variables a0snap reads but the configuration table lacks: {missing:?}"
    );
    for (names, cells) in &rows {
        assert!(
            *cells >= 4,
            "the configuration row of {names:?} needs a meaning, a default and an example"
        );
    }
}

#[test]
fn every_endpoint_in_the_scopes_table_is_known_with_that_scope_and_has_a_valid_job_example() {
    let text = readme();
    let examples = blocks(&text, "toml");
    let dir = tempfile::tempdir().expect("temp dir");
    for (number, example) in examples.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("example-{number:02}.toml")),
            example,
        )
        .expect("example file");
    }
    let jobs = a0snap::jobs::load_dir(dir.path())
        .unwrap_or_else(|error| panic!("a README job example is invalid:\n{error}"));
    assert_eq!(jobs.len(), examples.len());
    let section = text
        .split("\n## ")
        .find(|section| section.starts_with("Setting up the Auth0 application"))
        .expect("a ## Setting up the Auth0 application section");
    let rows: Vec<(&str, &str)> = section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            match cells.as_slice() {
                [name, scope] if name.trim().starts_with('`') => Some((
                    name.trim().trim_matches('`'),
                    scope.trim().trim_matches('`'),
                )),
                _ => None,
            }
        })
        .collect();
    // The endpoints jobs used most, and each kind of answer, have a row and an example;
    // `a0snap endpoints` lists the rest.
    for name in [
        "clients",
        "users",
        "roles",
        "connections",
        "resource-servers",
        "client-grants",
        "organizations",
        "logs",
        "custom-domains",
        "roles/{id}/users",
        "stats/active-users",
        "guardian/policies",
    ] {
        assert!(
            rows.iter().any(|(row, _)| *row == name),
            "the scopes table lacks {name}"
        );
    }
    for (name, scope) in &rows {
        let known = KNOWN
            .iter()
            .find(|known| known.name == *name)
            .unwrap_or_else(|| panic!("the scopes table names {name}, which a0snap does not know"));
        assert_eq!(known.scope, *scope, "the scope of {name}");
        assert!(
            jobs.iter()
                .any(|job| lookup(job.endpoint.name()).map(|k| k.name) == Some(known.name)),
            "no job example for the {name} endpoint"
        );
    }
    assert!(
        text.contains("`a0snap endpoints`"),
        "the README must point to `a0snap endpoints` for the rest"
    );
}
