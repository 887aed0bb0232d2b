//! Conventions of layered backends: the module and crate names of each layer, the data
//! modules every layer may share, and the external crates that belong to one layer.

use std::collections::BTreeSet;

/// The three conventional layers, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Conventional {
    Web,
    Service,
    Persistence,
}

impl Conventional {
    pub const ALL: [Conventional; 3] = [
        Conventional::Web,
        Conventional::Service,
        Conventional::Persistence,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Conventional::Web => "web",
            Conventional::Service => "service",
            Conventional::Persistence => "persistence",
        }
    }

    /// Module names (and crate-name words) of the layer.
    pub fn module_names(self) -> &'static [&'static str] {
        match self {
            Conventional::Web => &[
                "handlers",
                "handler",
                "routes",
                "controllers",
                "controller",
                "api",
                "endpoints",
                "http",
                "web",
            ],
            Conventional::Service => &[
                "services",
                "service",
                "usecases",
                "use_cases",
                "usecase",
                "application",
                "biz",
                "business",
                "bll",
            ],
            Conventional::Persistence => &[
                "repositories",
                "repository",
                "repo",
                "repos",
                "db",
                "database",
                "store",
                "storage",
                "dal",
                "dao",
                "persistence",
            ],
        }
    }

    /// The layer a module name stands for.
    pub fn of_module(name: &str) -> Option<Conventional> {
        Conventional::ALL
            .into_iter()
            .find(|l| l.module_names().contains(&name))
    }
}

/// Modules that group an architecture's parts (`crate::interfaces::api`,
/// `crate::infrastructure::repositories`): a layer may sit below them.
pub const GROUP_MODULES: &[&str] = &[
    "app",
    "infrastructure",
    "infra",
    "interfaces",
    "interface",
    "adapters",
    "adapter",
    "presentation",
    "features",
    "modules",
];

/// The domain core (DDD, hexagonal): shared by every layer, with the repository traits
/// and domain services it declares (`crate::domain::repositories`).
pub const DOMAIN_MODULES: &[&str] = &["domain", "core"];

/// Modules holding data every layer may name (rows, DTOs, errors): shared even inside a
/// layer's tree when layers are inferred (`crate::db::models`).
pub const DATA_MODULES: &[&str] = &[
    "models", "model", "entities", "entity", "dto", "dtos", "types", "domain",
];

/// Suffixes of data module names (`pg_row`, `user_records`, `billing_models`): plain
/// rows and records every layer may name, like [`DATA_MODULES`].
pub const DATA_MODULE_SUFFIXES: &[&str] = &[
    "_row",
    "_rows",
    "_record",
    "_records",
    "_model",
    "_models",
    "_entity",
    "_entities",
    "_dto",
    "_dtos",
    "_types",
];

/// A module of plain data (`models`, `rows`, `pg_row`): shared when layers are inferred.
pub fn is_data_module(name: &str) -> bool {
    DATA_MODULES.contains(&name) || DATA_MODULE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Cross-cutting observability modules (`crate::api::metrics`): their counters and
/// gauges may be named by every layer, whichever layer's tree holds them.
pub const METRICS_MODULES: &[&str] = &["metrics", "metric"];

/// Calls that build or start an HTTP server (`HttpServer::new`, `axum::serve`), as the
/// last two segments of the resolved path of an HTTP crate's item: a module that makes
/// them is start-up wiring (the composition root), not a business layer.
pub const SERVER_BUILDERS: &[(&str, &str)] = &[
    ("HttpServer", "new"),
    ("App", "new"),
    ("Router", "new"),
    ("Server", "new"),
    ("Server", "bind"),
    ("Server", "builder"),
    ("axum", "serve"),
    ("warp", "serve"),
    ("rocket", "build"),
    ("Rocket", "build"),
];

/// Words of a crate name that make it an outbound client library (`shop_http_client`,
/// `payments-api-sdk`): whatever else its name says, it is not the (inbound) web layer.
pub const CLIENT_WORDS: &[&str] = &["client", "clients", "sdk"];

/// Error modules: every layer's errors are shared (errors are mapped centrally, from
/// whichever layer they come).
pub const ERROR_MODULES: &[&str] = &["error", "errors"];

/// Modules of database crates that only re-export plain value types
/// (`sqlx::types::Uuid`): using them is not database access.
pub const DB_DATA_MODULES: &[(&str, &str)] = &[("sqlx", "types")];

/// Database crates besides the SQL drivers of [`crate::model::sql`] (as path segments):
/// ORMs, query builders, pools and other stores.
const DB_CRATES: &[&str] = &[
    "sqlx",
    "diesel",
    "diesel_async",
    "sea_orm",
    "sea_query",
    "redis",
    "mongodb",
    "scylla",
    "surrealdb",
    "r2d2",
    "deadpool_diesel",
];

/// Every database crate: only persistence may use them.
pub fn db_crates() -> impl Iterator<Item = &'static str> {
    use crate::model::sql::{MYSQL_CRATES, POSTGRES_CRATES, SQLITE_CRATES};
    DB_CRATES
        .iter()
        .chain(POSTGRES_CRATES)
        .chain(SQLITE_CRATES)
        .chain(MYSQL_CRATES)
        .copied()
}

pub fn is_db_crate(name: &str) -> bool {
    db_crates().any(|c| c == name)
}

/// An error type's name (`FolderError`, `Error`): errors are mapped centrally, so the
/// web layer may name those of the layers below.
pub fn is_error_type_name(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase) && name.ends_with("Error")
}

/// HTTP server crates: only the web layer may use them.
pub const HTTP_CRATES: &[&str] = &[
    "axum",
    "axum_extra",
    "actix_web",
    "rocket",
    "warp",
    "poem",
    "poem_openapi",
    "hyper",
    "http",
    "salvo",
    "tide",
];

/// Handler parameters that carry application state (`State<PgPool>`).
pub const STATE_EXTRACTORS: &[&str] = &["State", "Data", "Extension"];

/// Whether the workspace's crates are layers by name: a service crate and a persistence
/// crate among them (`shop-service`, `shop-db`).
pub fn crates_are_layered<'a>(crates: impl Iterator<Item = &'a str>) -> bool {
    let found: BTreeSet<Conventional> = crates.filter_map(crate_layer).collect();
    found.contains(&Conventional::Service) && found.contains(&Conventional::Persistence)
}

/// The conventional layer a crate's name says it is (`shop-api` → web), when its words
/// name exactly one.
pub fn crate_layer(name: &str) -> Option<Conventional> {
    let words: Vec<&str> = name.split(['-', '_']).filter(|w| !w.is_empty()).collect();
    let mut found: BTreeSet<Conventional> = BTreeSet::new();
    // The first word is usually the application's name (`shop-db`), unless it is alone.
    let skip = usize::from(words.len() > 1);
    for (i, w) in words.iter().enumerate().skip(skip) {
        if let Some(l) = Conventional::of_module(w) {
            found.insert(l);
        }
        if let Some(next) = words.get(i + 1) {
            if let Some(l) = Conventional::of_module(&format!("{w}_{next}")) {
                found.insert(l);
            }
        }
    }
    // An outbound client (`shop_http_client`, `shop-api-client`) is not the web layer.
    if words.iter().any(|w| CLIENT_WORDS.contains(w)) {
        found.remove(&Conventional::Web);
        if found.is_empty() {
            return None;
        }
    }
    (found.len() == 1)
        .then(|| found.into_iter().next())
        .flatten()
}
