//! What a job fetches: `endpoint` (known by name, or described with `pagination` and `items`)
//! and `params`, from which the page size is taken and the paging parameters a0snap sets
//! itself are refused, as are the parameters Auth0 ignores when paging logs. A known endpoint
//! bounds the page size by its own maximum (`users/{id}/connected-accounts`: 20).

use toml::Value;

use super::fields::{Fields, Problems, kind};
use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::endpoint::{self, Endpoint, Pagination};

/// The endpoint with its query parameters and page size.
#[derive(Debug)]
pub(super) struct Target {
    /// Where to send requests and how to read the answers.
    pub endpoint: Endpoint,
    /// Query parameters in file order, without the paging ones.
    pub params: Vec<(String, String)>,
    /// Records per page.
    pub page_size: u32,
}

/// Reads `endpoint`, `pagination`, `items` and `params`.
pub(super) fn read_target(fields: &mut Fields, p: &mut Problems) -> Option<Target> {
    let endpoint = read_endpoint(fields, p);
    let pagination = endpoint.as_ref().map(|endpoint| endpoint.pagination);
    let sizes = endpoint
        .as_ref()
        .and_then(|endpoint| endpoint::lookup(endpoint.name()))
        .map_or(
            PageSizes {
                default: DEFAULT_PAGE_SIZE,
                max: MAX_PAGE_SIZE,
            },
            |known| PageSizes {
                default: known.default_page_size(),
                max: known.max_page_size,
            },
        );
    let (params, page_size) = read_params(fields, pagination, sizes, p);
    Some(Target {
        endpoint: endpoint?,
        params,
        page_size,
    })
}

fn read_endpoint(fields: &mut Fields, p: &mut Problems) -> Option<Endpoint> {
    let (pagination_written, items_written) = (fields.has("pagination"), fields.has("items"));
    let pagination = read_pagination(fields, p);
    let items = fields.string("items", "items = \"clients\"", p);
    if items.as_deref().is_some_and(str::is_empty) {
        p.at("items", "is empty; write the key that holds the records in each page, as in items = \"clients\"");
    }
    if !fields.has("endpoint") {
        p.whole_file(
            "no endpoint; add endpoint = \"clients\" (or another management api list endpoint)",
        );
        return None;
    }
    let templated = fields.has("for_each");
    let written = fields.string("endpoint", "endpoint = \"clients\"", p)?;
    check_path(&written, templated, p)?;
    let endpoint = match (endpoint::lookup(&written), pagination) {
        (Some(known), _) => {
            let mut endpoint = Endpoint::from_known(known, &written);
            if let Some(pagination) = pagination
                && pagination != endpoint.pagination
            {
                // A job choosing offset paging where the definition pages otherwise asks for
                // totals, as the recorded answers show those endpoints give them
                // (connections, organizations, client grants with `include_totals=true`).
                endpoint.include_totals = pagination == Pagination::Offset;
                endpoint.pagination = pagination;
            }
            endpoint.items = items.or(endpoint.items);
            endpoint
        }
        (None, Some(pagination)) => Endpoint::custom(&written, pagination, items),
        (None, None) if pagination_written => return None,
        (None, None) => {
            p.at("endpoint", format!(
                "\"{written}\" is not an endpoint a0snap knows; describe it with pagination = \"offset\", \"checkpoint\" or \"none\" and items = \"<array key>\", or use one `a0snap endpoints` lists, as in endpoint = \"clients\" or endpoint = \"roles/rol_123/users\""
            ));
            return None;
        }
    };
    if endpoint.items.is_none()
        && !items_written
        && matches!(
            endpoint.pagination,
            Pagination::Offset | Pagination::Checkpoint
        )
    {
        p.at("items", format!(
            "missing; {} pagination returns its records under a key, so add items = \"<array key>\", as in items = \"clients\"",
            endpoint.pagination
        ));
        return None;
    }
    Some(endpoint)
}

/// `pagination = "offset" | "checkpoint" | "none"`.
fn read_pagination(fields: &mut Fields, p: &mut Problems) -> Option<Pagination> {
    let name = fields.string("pagination", "pagination = \"offset\"", p)?;
    match name.as_str() {
        "offset" => Some(Pagination::Offset),
        "checkpoint" => Some(Pagination::Checkpoint),
        "none" => Some(Pagination::None),
        _ => {
            p.at("pagination", format!(
                "\"{name}\" is not a pagination kind; use \"offset\" (page and per_page), \"checkpoint\" (from and take) or \"none\" (one request)"
            ));
            None
        }
    }
}

/// Refuses what cannot be a path below `/api/v2/`. A placeholder (`{id}`) is left to
/// `for_each`'s check when the job has that key (`templated`).
fn check_path(written: &str, templated: bool, p: &mut Problems) -> Option<()> {
    let name = endpoint::normalise_name(written);
    let problem = if name.is_empty() {
        "is empty; write a management api list endpoint, as in endpoint = \"clients\"".to_owned()
    } else if written.contains("://") {
        format!(
            "\"{written}\" is a url; write the path below /api/v2/, as in endpoint = \"clients\""
        )
    } else if written.contains(['?', '#']) {
        format!(
            "\"{written}\" has a query; write the path alone and put query parameters in params"
        )
    } else if name.starts_with("api/") {
        format!(
            "\"{written}\" is not below /api/v2/; write the path below it, as in \"clients\" or \"/api/v2/clients\""
        )
    } else if let Some(placeholder) = name
        .split('/')
        .find(|segment| segment.starts_with('{') && segment.ends_with('}'))
        .filter(|_| !templated)
    {
        let parent = name
            .split(placeholder)
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        format!(
            "\"{written}\" has the placeholder {placeholder} but no for_each; add for_each = \"{parent}\" to read it for every record of {parent}, or write one parent's id in its place, as in \"roles/rol_123/users\""
        )
    } else if name.chars().any(char::is_whitespace)
        || name.split('/').any(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            matches!(decoded.as_ref(), "" | "." | "..")
        })
    {
        format!(
            "\"{written}\" is not a valid path; write the path below /api/v2/, as in \"clients\" or \"/api/v2/clients\""
        )
    } else {
        return Some(());
    };
    p.at("endpoint", problem);
    None
}

/// The page size of a job's endpoint when the job sets none, and the most it may set.
#[derive(Debug, Clone, Copy)]
struct PageSizes {
    /// min(50, the endpoint's maximum).
    default: u32,
    /// The endpoint's maximum (100 unless the definition says less).
    max: u32,
}

/// `params = { ... }` in file order, with the page size taken out.
fn read_params(
    fields: &mut Fields,
    pagination: Option<Pagination>,
    sizes: PageSizes,
    p: &mut Problems,
) -> (Vec<(String, String)>, u32) {
    let mut params = Vec::new();
    let mut page_size = sizes.default;
    let Some(table) = fields.table("params", "params = { fields = \"name\" }", p) else {
        return (params, page_size);
    };
    let size_param = pagination.and_then(Pagination::page_size_param);
    let managed = pagination.map_or(&[][..], Pagination::managed_params);
    for (name, value) in table {
        let key = format!("params.{name}");
        let Some(text) = param_text(&name, &value, &key, p) else {
            continue;
        };
        if size_param == Some(name.as_str()) {
            page_size = read_page_size(&text, &key, sizes, p);
        } else if pagination == Some(Pagination::None) && Pagination::is_paging_param(&name) {
            p.at(key, format!("this endpoint is read in one request (pagination = \"none\"), so {name} would make the answer one page of several and the rest would be lost; remove {name}, or if the endpoint pages, set pagination = \"checkpoint\" (or \"offset\") and items = \"<array key>\""));
        } else if managed.contains(&name.as_str()) {
            p.at(
                key,
                format!("a0snap sets {name} itself while paging; remove it"),
            );
        } else if pagination.is_some_and(Pagination::ignores_other_params) {
            p.at(key, ignored_by_log_paging(&name));
        } else {
            params.push((name, text));
        }
    }
    (params, page_size)
}

/// Why a logs job may not set `name`, and what to do instead.
fn ignored_by_log_paging(name: &str) -> String {
    format!(
        "auth0 ignores every parameter but from and take when paging logs, so {name} would not \
         filter anything; remove it and filter the snapshot downstream, or for a one-off search \
         write a separate job with pagination = \"offset\", items = \"logs\" and \
         params = {{ q = \"...\" }}"
    )
}

/// A parameter value as query text: strings as they are, numbers and booleans as written.
fn param_text(name: &str, value: &Value, key: &str, p: &mut Problems) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Integer(number) => Some(number.to_string()),
        Value::Boolean(flag) => Some(flag.to_string()),
        Value::Array(_) => {
            p.at(key, format!("expected a string, a whole number or true or false, found an array; join the values in one string, as in {name} = \"a,b\""));
            None
        }
        other => {
            p.at(key, format!("expected a string, a whole number or true or false, found {}; write it in quotes, as in {name} = \"...\"", kind(other)));
            None
        }
    }
}

/// The page size from `per_page` or `take`: 1 to the endpoint's maximum (100 at most).
fn read_page_size(text: &str, key: &str, sizes: PageSizes, p: &mut Problems) -> u32 {
    match text.parse::<u32>() {
        Ok(size) if (1..=sizes.max).contains(&size) => size,
        Ok(size) if size > sizes.max && sizes.max < MAX_PAGE_SIZE => {
            p.at(
                key,
                format!(
                    "{size} is above the {max} records a page this endpoint gives (its maximum in the management api definition); use a whole number from 1 to {max}",
                    max = sizes.max
                ),
            );
            sizes.default
        }
        _ => {
            p.at(
                key,
                format!(
                    "{text} is not a page size; use a whole number from 1 to {}",
                    sizes.max
                ),
            );
            sizes.default
        }
    }
}
