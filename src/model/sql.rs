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

/// Whether `method` is a method of [`METHOD_SINKS`] that takes the statement first
/// (`execute`, `query_one`, `exec_drop`, …), whatever the crate.
pub fn takes_statement_first(method: &str) -> bool {
    METHOD_SINKS
        .iter()
        .any(|s| s.arg == 0 && s.methods.contains(&method))
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

/// Whether the value bound to the `n`-th parameter (0-based, in the order values are
/// given) of the SQL statement `sql` is written into a row ([`written_parameters`]).
pub fn binds_stored_value(sql: &str, n: usize) -> bool {
    written_parameters(sql).get(n).copied().unwrap_or(false)
}

/// Which parameters of the SQL statement `sql` are written into a row, by index (0 is `$1`,
/// `?1` or the first bare `?`): a value of an `INSERT` (its `VALUES` list, its `SELECT`
/// list, an upsert's `SET`) or of an `UPDATE`'s `SET` list. A parameter in a `WHERE`,
/// `ON`, `LIMIT`, `RETURNING` or a subquery is a key or a filter, and one given to a hashing
/// function of the statement (`crypt($1, gen_salt('bf'))`) is not written as sent. Named
/// parameters, and text that does not tokenize, give nothing. Strings, quoted identifiers
/// and comments are the tokenizer's (`sqlparser`) business.
pub fn written_parameters(sql: &str) -> Vec<bool> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(&sqlparser::dialect::GenericDialect {}, sql).tokenize() else {
        return Vec::new();
    };
    /// A parenthesis level: the clause and statement it is in, and whether it is the
    /// argument list of a hashing function.
    #[derive(Default)]
    struct Level {
        clause: Option<&'static str>,
        statement: Option<&'static str>,
        hashed: bool,
    }
    const STATEMENTS: &[&str] = &[
        "INSERT", "REPLACE", "UPSERT", "UPDATE", "SELECT", "DELETE", "MERGE",
    ];
    const CLAUSES: &[&str] = &[
        "VALUES",
        "SET",
        "SELECT",
        "WHERE",
        "RETURNING",
        "LIMIT",
        "OFFSET",
        "FROM",
        "JOIN",
        "ON",
        "HAVING",
        "GROUP",
        "ORDER",
        "USING",
        "INTO",
        "WHEN",
        "CASE",
    ];
    let mut levels = vec![Level::default()];
    let mut written = Vec::new();
    let mut bare = 0;
    let mut prev_word: Option<&str> = None;
    for t in &tokens {
        match t {
            Token::Whitespace(_) => continue,
            Token::LParen => {
                let hashed = prev_word
                    .is_some_and(|w| SQL_HASH_FUNCTIONS.iter().any(|f| f.eq_ignore_ascii_case(w)));
                levels.push(Level {
                    hashed,
                    ..Level::default()
                });
            }
            Token::RParen if levels.len() > 1 => {
                levels.pop();
            }
            Token::Word(w) if w.quote_style.is_none() => {
                let upper = w.value.to_ascii_uppercase();
                if let Some(top) = levels.last_mut() {
                    if let Some(st) = STATEMENTS.iter().find(|x| **x == upper) {
                        top.statement.get_or_insert(st);
                    }
                    if let Some(k) = CLAUSES.iter().find(|x| **x == upper) {
                        top.clause = Some(k);
                    }
                }
            }
            Token::Placeholder(p) => {
                let index = match p.get(1..).and_then(|d| d.parse::<usize>().ok()) {
                    Some(k) if k > 0 => k - 1,
                    _ if p == "?" => {
                        bare += 1;
                        bare - 1
                    }
                    _ => {
                        prev_word = None;
                        continue;
                    }
                };
                if written.len() <= index {
                    written.resize(index + 1, false);
                }
                written[index] |= written_here(&levels);
            }
            _ => {}
        }
        prev_word = match t {
            Token::Word(w) => Some(w.value.as_str()),
            _ => None,
        };
    }
    return written;

    /// Whether a parameter at the innermost of `levels` is written: the innermost level
    /// with a clause of its own decides (a parenthesised list, `VALUES ($1, $2)`, is in
    /// the clause around it), with the nearest statement around it.
    fn written_here(levels: &[Level]) -> bool {
        if levels.iter().any(|l| l.hashed) {
            return false;
        }
        let Some(at) = levels
            .iter()
            .rposition(|l| l.clause.is_some() || l.statement.is_some())
        else {
            return false;
        };
        let statement = levels[..=at].iter().rev().find_map(|l| l.statement);
        match levels[at].clause {
            Some("VALUES" | "SET") => true,
            Some("SELECT") => at == 0 && matches!(statement, Some("INSERT" | "REPLACE" | "UPSERT")),
            _ => false,
        }
    }
}

/// How a writing statement is named in messages: its verb and table (`INSERT INTO
/// comments`, `UPDATE boards`), else its first word.
pub fn statement_label(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().take(4).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let table = |w: &str| {
        w.split('(')
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| c == '"' || c == '`')
            .to_string()
    };
    match upper.first().map(String::as_str) {
        Some("INSERT" | "REPLACE") if upper.get(1).is_some_and(|w| w == "INTO") => {
            format!(
                "{} INTO {}",
                upper[0],
                words.get(2).map(|w| table(w)).unwrap_or_default()
            )
        }
        Some("UPDATE") => format!(
            "UPDATE {}",
            words.get(1).map(|w| table(w)).unwrap_or_default()
        ),
        Some(w) => w.to_string(),
        None => String::new(),
    }
}

/// SQL functions that hash or encrypt their argument (PostgreSQL's pgcrypto, MySQL's).
const SQL_HASH_FUNCTIONS: &[&str] = &[
    "crypt",
    "digest",
    "hmac",
    "md5",
    "sha1",
    "sha2",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "encrypt",
    "pgp_sym_encrypt",
    "pgp_pub_encrypt",
    "password",
    "aes_encrypt",
];

#[cfg(test)]
mod stored_tests {
    use super::binds_stored_value as stored;

    #[test]
    fn insert_values_are_stored() {
        let sql = "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id";
        assert!(stored(sql, 0));
        assert!(stored(sql, 1));
        assert!(!stored(sql, 2));
        assert!(stored("insert into t (a, b) values (?, ?)", 1));
        assert!(stored(
            "INSERT INTO t (a) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = $2)",
            0
        ));
        assert!(!stored(
            "INSERT INTO t (a) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM t WHERE a = $2)",
            1
        ));
    }

    #[test]
    fn update_set_is_stored_and_where_is_a_key() {
        let sql = "UPDATE users SET name = $1, bio = $2 WHERE id = $3";
        assert!(stored(sql, 0));
        assert!(stored(sql, 1));
        assert!(!stored(sql, 2));
        // Numbered out of order.
        let sql = "UPDATE users SET name = $2 WHERE username = $1";
        assert!(!stored(sql, 0));
        assert!(stored(sql, 1));
        assert!(stored("UPDATE t SET a = ?1 WHERE b = ?2", 0));
        assert!(!stored("UPDATE t SET a = ?1 WHERE b = ?2", 1));
    }

    #[test]
    fn upserts_and_subqueries() {
        let sql = "INSERT INTO t (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = $3";
        assert!(stored(sql, 2));
        let sql = "INSERT INTO t (a, owner) VALUES ($1, (SELECT id FROM u WHERE name = $2))";
        assert!(stored(sql, 0));
        assert!(!stored(sql, 1));
        // Hashed by the database: not the value sent.
        assert!(!stored(
            "UPDATE users SET pw = crypt($1, gen_salt('bf')) WHERE id = $2",
            0
        ));
        assert!(stored(
            "UPDATE users SET name = COALESCE($1, name) WHERE id = $2",
            0
        ));
    }

    #[test]
    fn reads_and_deletes_store_nothing() {
        assert!(!stored("SELECT * FROM users WHERE name = $1", 0));
        assert!(!stored("DELETE FROM users WHERE name = ?", 0));
        assert!(!stored("SELECT * FROM t WHERE a = '?' AND b = ?", 0));
        assert!(!stored("UPDATE t SET a = 1 WHERE b = :name", 0));
        assert!(!stored(
            "UPDATE t SET a = 1 /* SET b = $1 */ WHERE c = $1",
            0
        ));
        assert!(!stored("UPDATE t SET a = 1 -- SET b = ?\nWHERE c = ?", 0));
        assert!(!stored("", 0));
    }
}
