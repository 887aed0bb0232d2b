//! Database clients: the functions that open one new connection (a TCP connection, TLS
//! and authentication handshakes, a server-side session), as opposed to the pools that
//! hand out connections opened once.

/// Functions that open a single database connection, by full path.
pub const CONNECT_FNS: &[&[&str]] = &[
    // sqlx (`Connection::connect`, `connect_with`)
    &["sqlx", "PgConnection", "connect"],
    &["sqlx", "PgConnection", "connect_with"],
    &["sqlx", "postgres", "PgConnection", "connect"],
    &["sqlx", "postgres", "PgConnection", "connect_with"],
    &["sqlx", "MySqlConnection", "connect"],
    &["sqlx", "MySqlConnection", "connect_with"],
    &["sqlx", "mysql", "MySqlConnection", "connect"],
    &["sqlx", "mysql", "MySqlConnection", "connect_with"],
    &["sqlx", "SqliteConnection", "connect"],
    &["sqlx", "SqliteConnection", "connect_with"],
    &["sqlx", "sqlite", "SqliteConnection", "connect"],
    &["sqlx", "sqlite", "SqliteConnection", "connect_with"],
    &["sqlx", "AnyConnection", "connect"],
    &["sqlx", "AnyConnection", "connect_with"],
    &["sqlx", "any", "AnyConnection", "connect"],
    &["sqlx", "any", "AnyConnection", "connect_with"],
    &["sqlx", "Connection", "connect"],
    &["sqlx", "Connection", "connect_with"],
    // diesel, diesel-async (`Connection::establish`)
    &["diesel", "PgConnection", "establish"],
    &["diesel", "pg", "PgConnection", "establish"],
    &["diesel", "MysqlConnection", "establish"],
    &["diesel", "mysql", "MysqlConnection", "establish"],
    &["diesel", "SqliteConnection", "establish"],
    &["diesel", "sqlite", "SqliteConnection", "establish"],
    &["diesel", "Connection", "establish"],
    &["diesel_async", "AsyncPgConnection", "establish"],
    &["diesel_async", "AsyncMysqlConnection", "establish"],
    &["diesel_async", "AsyncConnection", "establish"],
    &["diesel_async", "pg", "AsyncPgConnection", "establish"],
    &["diesel_async", "mysql", "AsyncMysqlConnection", "establish"],
    // tokio-postgres, postgres
    &["tokio_postgres", "connect"],
    &["postgres", "Client", "connect"],
    // mysql, mysql_async
    &["mysql_async", "Conn", "new"],
    &["mysql_async", "Conn", "from_url"],
    &["mysql", "Conn", "new"],
    // tiberius (SQL Server)
    &["tiberius", "Client", "connect"],
    // MongoDB: a `Client` is itself a pool, meant to be created once.
    &["mongodb", "Client", "with_uri_str"],
    &["mongodb", "Client", "with_options"],
];

/// Imports that bring diesel's `Connection::establish` into scope, so that
/// `Alias::establish(url)` (a connection type alias) opens a connection.
pub const DIESEL_CONNECTION_TRAITS: &[&[&str]] = &[
    &["diesel", "Connection"],
    &["diesel", "connection", "Connection"],
    &["diesel", "prelude"],
    &["diesel_async", "AsyncConnection"],
];

/// `ConnectOptions` / `Config` builders whose `connect` method opens one connection:
/// (crate, type-name suffix, number of arguments of `connect`).
pub const CONNECT_BUILDERS: &[(&str, &str, usize)] = &[
    // `PgConnectOptions::new().host(..).connect().await`
    ("sqlx", "ConnectOptions", 0),
    // `tokio_postgres::Config::new().host(..).connect(NoTls).await`
    ("tokio_postgres", "Config", 1),
    ("postgres", "Config", 1),
];

/// redis: methods of `redis::Client` that open a new connection. The client itself opens
/// none (`Client::open` only parses the URL); a `ConnectionManager` or a pool
/// (`bb8-redis`, `deadpool-redis`) made once is the fix.
pub const REDIS_CONNECT_METHODS: &[&str] = &[
    "get_connection",
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_tokio_connection",
    "get_connection_manager",
];
