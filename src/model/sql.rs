//! Functions and methods that execute SQL text, per database library.

/// A free function or associated function whose argument `arg` is SQL text.
#[derive(Debug)]
pub struct FnSink {
    /// The crate the resolved path must start with.
    pub krate: &'static str,
    /// The resolved path must end with these segments.
    pub tail: &'static [&'static str],
    pub arg: usize,
    /// How the sink is named in messages.
    pub label: &'static str,
}

macro_rules! fn_sink {
    ($krate:literal, [$($seg:literal),+], $arg:literal, $label:literal) => {
        FnSink { krate: $krate, tail: &[$($seg),+], arg: $arg, label: $label }
    };
}

pub const FN_SINKS: &[FnSink] = &[
    fn_sink!("sqlx", ["query"], 0, "sqlx::query"),
    fn_sink!("sqlx", ["query_as"], 0, "sqlx::query_as"),
    fn_sink!("sqlx", ["query_scalar"], 0, "sqlx::query_scalar"),
    fn_sink!("sqlx", ["query_with"], 0, "sqlx::query_with"),
    fn_sink!("sqlx", ["query_as_with"], 0, "sqlx::query_as_with"),
    fn_sink!("sqlx", ["query_scalar_with"], 0, "sqlx::query_scalar_with"),
    fn_sink!("sqlx", ["raw_sql"], 0, "sqlx::raw_sql"),
    fn_sink!(
        "sqlx",
        ["QueryBuilder", "new"],
        0,
        "sqlx::QueryBuilder::new"
    ),
    fn_sink!(
        "sqlx",
        ["QueryBuilder", "with_arguments"],
        0,
        "sqlx::QueryBuilder::with_arguments"
    ),
    fn_sink!("diesel", ["sql_query"], 0, "diesel::sql_query"),
    fn_sink!("diesel", ["sql"], 0, "diesel::dsl::sql"),
    fn_sink!(
        "sea_orm",
        ["Statement", "from_string"],
        1,
        "sea_orm::Statement::from_string"
    ),
    fn_sink!(
        "sea_orm",
        ["Statement", "from_sql_and_values"],
        1,
        "sea_orm::Statement::from_sql_and_values"
    ),
];

/// A method whose argument `arg` is SQL text, on receivers from one of `crates`.
#[derive(Debug)]
pub struct MethodSink {
    /// The file must import one of these crates for the method to count.
    pub crates: &'static [&'static str],
    pub methods: &'static [&'static str],
    pub arg: usize,
    /// The receiver type as named in messages.
    pub owner: &'static str,
}

/// Whether SQL text names a table (`FROM`, `INTO`, `UPDATE`, `JOIN`, `TABLE`); a
/// statement that does not (`SELECT 1`) is a liveness probe.
pub fn names_a_table(sql: &str) -> bool {
    sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| {
            ["FROM", "INTO", "UPDATE", "TABLE", "JOIN"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
        })
}

pub const POSTGRES_CRATES: &[&str] = &[
    "tokio_postgres",
    "postgres",
    "deadpool_postgres",
    "bb8_postgres",
    "r2d2_postgres",
    "postgres_types",
];
pub const SQLITE_CRATES: &[&str] = &[
    "rusqlite",
    "r2d2_sqlite",
    "deadpool_sqlite",
    "tokio_rusqlite",
    "async_sqlite",
];
pub const MYSQL_CRATES: &[&str] = &["mysql", "mysql_async", "r2d2_mysql"];

pub const METHOD_SINKS: &[MethodSink] = &[
    MethodSink {
        crates: &["sqlx"],
        methods: &[
            "execute",
            "execute_many",
            "fetch",
            "fetch_all",
            "fetch_one",
            "fetch_optional",
            "fetch_many",
        ],
        arg: 0,
        owner: "sqlx::Executor",
    },
    MethodSink {
        crates: &["sea_orm"],
        methods: &["execute_unprepared"],
        arg: 0,
        owner: "sea_orm::ConnectionTrait",
    },
    MethodSink {
        crates: POSTGRES_CRATES,
        methods: &[
            "query",
            "query_one",
            "query_opt",
            "query_raw",
            "query_typed",
            "execute",
            "execute_raw",
            "batch_execute",
            "simple_query",
            "prepare",
            "prepare_cached",
            "prepare_typed",
            "copy_in",
            "copy_out",
        ],
        arg: 0,
        owner: "tokio_postgres::Client",
    },
    MethodSink {
        crates: SQLITE_CRATES,
        methods: &[
            "execute",
            "execute_batch",
            "prepare",
            "prepare_cached",
            "query_row",
            "query_row_and_then",
        ],
        arg: 0,
        owner: "rusqlite::Connection",
    },
    MethodSink {
        crates: MYSQL_CRATES,
        methods: &[
            "query",
            "query_first",
            "query_iter",
            "query_map",
            "query_drop",
            "query_fold",
            "query_opt",
            "query_first_opt",
            "query_fold_opt",
            "query_map_opt",
            "query_stream",
            "exec",
            "exec_first",
            "exec_drop",
            "exec_iter",
            "exec_map",
            "exec_batch",
            "exec_fold",
            "prep",
        ],
        arg: 0,
        owner: "mysql::prelude::Queryable",
    },
];

/// Types whose values are database clients, pools, connections or transactions.
pub const DB_RECEIVER_TYPES: &[&str] = &[
    "Client",
    "Transaction",
    "Connection",
    "Conn",
    "PooledConn",
    "Pool",
    "PgPool",
    "MySqlPool",
    "SqlitePool",
    "AnyPool",
    "PgConnection",
    "MySqlConnection",
    "SqliteConnection",
    "AnyConnection",
    "PoolConnection",
    "Object",
    "PooledConnection",
    "DatabaseConnection",
    "DatabaseTransaction",
    "Executor",
    "PgExecutor",
    "GenericClient",
    "Db",
    "Database",
    "DbConn",
    "DbPool",
    "Tx",
    "Queryable",
];

/// sqlx's query builder types, whose `push` appends raw SQL.
pub const QUERY_BUILDER_TYPES: &[&str] = &["QueryBuilder", "Separated"];

/// Query-builder methods that append their argument as raw SQL text.
pub const RAW_PUSH_METHODS: &[&str] = &["push", "push_unseparated"];

/// Query-builder methods that return the builder itself (chains stay builders).
pub const BUILDER_CHAIN_METHODS: &[&str] = &["push", "push_bind", "push_unseparated"];

/// The method that turns a `QueryBuilder` into a `Separated` (also a raw-SQL pusher).
pub const SEPARATED_METHOD: &str = "separated";

/// Methods whose closure receives a `Separated` handle first (`push_values(rows, |b, row| ..)`).
pub const BUILDER_CLOSURE_METHODS: &[&str] = &["push_values", "push_tuples"];

/// Wrappers that assert a string is safe SQL without changing it (sqlx 0.9's
/// `AssertSqlSafe`): analysed as their content.
pub const SQL_ASSERTION_WRAPPERS: &[&str] = &["AssertSqlSafe"];

/// Suffixes of type names that denote database handles (`PgPool`, `SqliteConnection`,
/// `MyTx`).
const DB_RECEIVER_SUFFIXES: &[&str] = &[
    "Pool",
    "Connection",
    "Transaction",
    "Client",
    "Conn",
    "Tx",
    "Executor",
];

/// Whether a type name denotes a database client, pool, connection or transaction.
pub fn is_db_receiver_type(name: &str) -> bool {
    DB_RECEIVER_TYPES.contains(&name) || DB_RECEIVER_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Whether the resolved path `path` is the sink `sink`.
pub fn matches_fn_sink(sink: &FnSink, path: &[String]) -> bool {
    path.len() > sink.tail.len()
        && path[0] == sink.krate
        && path[path.len() - sink.tail.len()..]
            .iter()
            .zip(sink.tail)
            .all(|(a, b)| a == b)
}
