use super::values::parse_domain;
use std::path::Path;

use super::*;
use secrecy::ExposeSecret;

fn env(pairs: &[(&str, &str)]) -> RawEnv {
    RawEnv::from_vars(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .expect("env")
}

const GOOD: &[(&str, &str)] = &[
    ("AUTH0_DOMAIN", "acme.eu.auth0.com"),
    ("AUTH0_CLIENT_ID", "abc"),
    ("AUTH0_CLIENT_SECRET", "s3cr3t-value"),
    ("HOME", "/home/ops"),
];

fn problems_of(result: Result<Settings, ConfigError>) -> Vec<String> {
    match result {
        Err(ConfigError::Invalid { problems }) => problems
            .into_iter()
            .map(|problem| format!("{}: {}", problem.variable, problem.message))
            .collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_bare_domain_becomes_an_https_base_url_and_the_default_audience() {
    let settings = Settings::resolve(&env(GOOD), &Overrides::default()).expect("settings");
    assert_eq!(
        settings.tenant.base_url.as_str(),
        "https://acme.eu.auth0.com/"
    );
    assert_eq!(
        settings.tenant.audience,
        "https://acme.eu.auth0.com/api/v2/"
    );
    assert_eq!(
        settings.state_dir,
        PathBuf::from("/home/ops/.local/state/a0snap")
    );
    assert_eq!(settings.jobs_dir, PathBuf::from("jobs"));
    assert_eq!(settings.output.local_dir(), Some(Path::new("out")));
    assert_eq!(settings.token_cache, TokenCacheSetting::File);
}

#[test]
fn plain_http_is_refused_unless_the_host_is_loopback() {
    assert!(parse_domain("http://127.0.0.1:8080").is_ok());
    assert!(parse_domain("http://localhost:1").is_ok());
    assert!(parse_domain("http://[::1]:1/").is_ok());
    let error = parse_domain("http://acme.eu.auth0.com").expect_err("plain http");
    assert!(error.contains("use https://acme.eu.auth0.com"), "{error}");
    assert!(parse_domain("https://acme.eu.auth0.com/").is_ok());
    assert!(parse_domain("https://acme.eu.auth0.com/api").is_err());
    assert!(parse_domain("ftp://acme").is_err());
}

#[test]
fn every_missing_variable_is_reported_at_once_with_its_fix() {
    let problems = problems_of(Settings::resolve(
        &env(&[("HOME", "/h")]),
        &Overrides::default(),
    ));
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].starts_with("AUTH0_DOMAIN: is not set; set it to your tenant's domain"));
    assert!(problems[1].starts_with("AUTH0_CLIENT_ID: is not set"));
    assert!(
        problems[2]
            .starts_with("AUTH0_CLIENT_SECRET: is not set; set it, or AUTH0_CLIENT_SECRET_FILE")
    );
}

#[test]
fn malformed_knobs_name_their_variable() {
    let mut pairs = GOOD.to_vec();
    pairs.extend([
        ("A0SNAP_TOKEN_CACHE", "disk"),
        ("A0SNAP_MAX_IN_FLIGHT", "0"),
        ("A0SNAP_REQUESTS_PER_SECOND", "fast"),
        ("A0SNAP_LOG_FORMAT", "xml"),
        ("A0SNAP_METRICS_ADDR", "nine"),
    ]);
    let problems = problems_of(Settings::resolve(&env(&pairs), &Overrides::default()));
    let variables: Vec<&str> = problems
        .iter()
        .map(|p| p.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(
        variables,
        [
            "A0SNAP_TOKEN_CACHE",
            "A0SNAP_MAX_IN_FLIGHT",
            "A0SNAP_REQUESTS_PER_SECOND",
            "A0SNAP_METRICS_ADDR",
            "A0SNAP_LOG_FORMAT"
        ]
    );
}

#[test]
fn the_secret_can_come_from_a_file_without_its_newline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret");
    std::fs::write(&path, "from-file\n").expect("write");
    let mut pairs: Vec<(&str, &str)> = GOOD
        .iter()
        .filter(|(k, _)| *k != "AUTH0_CLIENT_SECRET")
        .copied()
        .collect();
    let path_text = path.display().to_string();
    pairs.push(("AUTH0_CLIENT_SECRET_FILE", &path_text));
    let settings = Settings::resolve(&env(&pairs), &Overrides::default()).expect("settings");
    let crate::auth::ClientAuthentication::Secret(secret) = &settings.tenant.authentication else {
        panic!("a secret")
    };
    assert_eq!(secret.expose_secret(), "from-file");
}

#[test]
fn both_secret_variables_at_once_are_an_error() {
    let mut pairs = GOOD.to_vec();
    pairs.push(("AUTH0_CLIENT_SECRET_FILE", "/nope"));
    let problems = problems_of(Settings::resolve(&env(&pairs), &Overrides::default()));
    assert_eq!(
        problems,
        ["AUTH0_CLIENT_SECRET: and AUTH0_CLIENT_SECRET_FILE are both set; keep only one"]
    );
}

#[test]
fn flags_win_over_the_environment() {
    let mut pairs = GOOD.to_vec();
    pairs.extend([
        ("A0SNAP_OUTPUT_DIR", "/env/out"),
        ("A0SNAP_JOBS_DIR", "/env/jobs"),
    ]);
    let overrides = Overrides {
        output_dir: Some("/flag/out".into()),
        ..Overrides::default()
    };
    let settings = Settings::resolve(&env(&pairs), &overrides).expect("settings");
    assert_eq!(settings.output.local_dir(), Some(Path::new("/flag/out")));
    assert_eq!(settings.jobs_dir, PathBuf::from("/env/jobs"));
}

#[test]
fn neither_settings_nor_errors_ever_show_the_secret() {
    let settings = Settings::resolve(&env(GOOD), &Overrides::default()).expect("settings");
    assert!(!format!("{settings:?}").contains("s3cr3t-value"));
    let mut pairs = GOOD.to_vec();
    pairs.push(("AUTH0_DOMAIN", "http://evil.example"));
    let error = Settings::resolve(&env(&pairs[1..]), &Overrides::default()).expect_err("bad");
    assert!(!error.to_string().contains("s3cr3t-value"));
}

#[test]
fn retry_and_job_time_knobs_have_defaults_and_can_be_turned_off() {
    let settings = Settings::resolve(&env(GOOD), &Overrides::default()).expect("settings");
    assert_eq!(settings.http.max_retries, defaults::MAX_RETRIES);
    assert_eq!(settings.http.max_retry_wait, defaults::MAX_RETRY_WAIT);
    assert_eq!(settings.http.job_timeout, Some(defaults::JOB_TIMEOUT));
    let mut vars = GOOD.to_vec();
    vars.extend([
        ("A0SNAP_MAX_RETRIES", "0"),
        ("A0SNAP_MAX_RETRY_WAIT", "2m"),
        ("A0SNAP_JOB_TIMEOUT", "off"),
    ]);
    let settings = Settings::resolve(&env(&vars), &Overrides::default()).expect("settings");
    assert_eq!(settings.http.max_retries, 0);
    assert_eq!(settings.http.max_retry_wait, Duration::from_secs(120));
    assert_eq!(settings.http.job_timeout, None);
    let mut bad = GOOD.to_vec();
    bad.push(("A0SNAP_MAX_RETRIES", "101"));
    let problems = problems_of(Settings::resolve(&env(&bad), &Overrides::default()));
    assert_eq!(
        problems,
        [
            "A0SNAP_MAX_RETRIES: \"101\" is not a whole number from 0 to 100; use e.g. 5 (0 turns retries off)"
        ]
    );
}

#[test]
fn an_unrelated_variable_that_is_not_utf8_is_ignored() {
    use std::os::unix::ffi::OsStringExt;
    let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = GOOD
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    vars.push((
        "LESSOPEN".into(),
        std::ffi::OsString::from_vec(vec![0xff, 0xfe]),
    ));
    vars.push((std::ffi::OsString::from_vec(vec![0xff]), "x".into()));
    let env = RawEnv::from_vars_os(vars).expect("env");
    let settings = Settings::resolve(&env, &Overrides::default()).expect("settings");
    assert_eq!(settings.tenant.client_id, "abc");
}

#[test]
fn a_variable_a0snap_reads_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStringExt;
    let vars = vec![
        ("AUTH0_DOMAIN".into(), "acme.eu.auth0.com".into()),
        (
            "AUTH0_CLIENT_ID".into(),
            std::ffi::OsString::from_vec(vec![b'a', 0xff]),
        ),
    ];
    let problems = match RawEnv::from_vars_os(vars) {
        Err(ConfigError::Invalid { problems }) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].variable, "AUTH0_CLIENT_ID");
    assert!(
        problems[0].message.contains("not valid UTF-8"),
        "{problems:?}"
    );
}

#[test]
fn a0snap_report_is_a_switch_off_by_default() {
    let settings = |extra: &[(&str, &str)]| {
        let pairs: Vec<(&str, &str)> = GOOD.iter().chain(extra).copied().collect();
        Settings::resolve(&env(&pairs), &Overrides::default())
    };
    assert!(!settings(&[]).expect("settings").report);
    assert!(
        settings(&[("A0SNAP_REPORT", "1")])
            .expect("settings")
            .report
    );
    assert!(
        settings(&[("A0SNAP_REPORT", "TRUE")])
            .expect("settings")
            .report
    );
    assert!(
        !settings(&[("A0SNAP_REPORT", "0")])
            .expect("settings")
            .report
    );
    let problems = problems_of(settings(&[("A0SNAP_REPORT", "maybe")]));
    assert_eq!(
        problems,
        ["A0SNAP_REPORT: \"maybe\" is not a switch; use 1 or 0"]
    );
}
