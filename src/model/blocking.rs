//! Blocking operations: standard-library and crate functions that block the calling
//! thread (file system, sleeping, synchronous HTTP and database clients, child
//! processes, blocking channels), the asynchronous replacements, and the functions that
//! move a closure off the async runtime's worker threads.

use crate::model::values::ITER_ADAPTORS;

/// A blocking free function or associated function, by its full path.
pub struct BlockingFn {
    pub path: &'static [&'static str],
    /// The asynchronous replacement, for the finding's help.
    pub instead: &'static str,
}

/// Functions of `std::fs` (free functions and `File` constructors). All of them are
/// system calls that block on the disk (or a network file system).
pub const STD_FS_FNS: &[&str] = &[
    "read",
    "read_to_string",
    "write",
    "read_dir",
    "create_dir",
    "create_dir_all",
    "remove_file",
    "remove_dir",
    "remove_dir_all",
    "copy",
    "rename",
    "metadata",
    "symlink_metadata",
    "canonicalize",
    "hard_link",
    "read_link",
    "set_permissions",
    "exists",
    "soft_link",
];

/// The functions of [`STD_FS_FNS`] that read or write whole files or delete whole trees:
/// reported by default on the request path. The others are single metadata system calls
/// (`create_dir_all`, `rename`, `remove_file`, `metadata`, `exists`), short on a local
/// disk: a preview sub-check.
pub const STD_FS_BULK_FNS: &[&str] = &["read", "read_to_string", "write", "copy", "remove_dir_all"];

/// Whether a resolved `std::fs` path is a single metadata system call (see
/// [`STD_FS_BULK_FNS`]); `File` openers are judged by how the file is used.
pub fn std_fs_metadata_fn(path: &[String]) -> bool {
    matches!(path, [a, b, f] if a == "std" && b == "fs"
        && STD_FS_FNS.contains(&f.as_str())
        && !STD_FS_BULK_FNS.contains(&f.as_str()))
}

/// Whether a resolved path is a `std::fs::File` opener (`File::open`, `File::create`).
pub fn std_file_opener(path: &[String]) -> bool {
    matches!(path, [a, b, t, f] if a == "std" && b == "fs" && t == "File"
        && STD_FILE_OPENERS.contains(&f.as_str()))
}

/// `std::fs::File` associated functions that open a file.
pub const STD_FILE_OPENERS: &[&str] = &["open", "create", "create_new"];

/// Other blocking functions, by full path.
pub const BLOCKING_FNS: &[BlockingFn] = &[
    BlockingFn {
        path: &["std", "thread", "sleep"],
        instead: "`tokio::time::sleep(..).await`",
    },
    BlockingFn {
        path: &["std", "thread", "sleep_ms"],
        instead: "`tokio::time::sleep(..).await`",
    },
    BlockingFn {
        path: &["std", "net", "TcpStream", "connect"],
        instead: "`tokio::net::TcpStream::connect(..).await`",
    },
    BlockingFn {
        path: &["std", "net", "TcpStream", "connect_timeout"],
        instead: "`tokio::time::timeout(.., tokio::net::TcpStream::connect(..)).await`",
    },
];

/// Path prefixes every function of which blocks (`reqwest::blocking::get`,
/// `reqwest::blocking::Client::new`: the blocking client runs its own runtime, and
/// creating or dropping it inside an async context panics).
pub const BLOCKING_PREFIXES: &[(&[&str], &str)] = &[(
    &["reqwest", "blocking"],
    "the async `reqwest::Client` (`.send().await`)",
)];

/// `ureq`'s request functions: a synchronous HTTP client.
pub const UREQ_FNS: &[&str] = &[
    "get",
    "post",
    "put",
    "delete",
    "patch",
    "head",
    "request",
    "request_url",
    "run",
];

/// Functions that run a future to completion on the current thread: inside an async
/// context they block the worker (`futures::executor::block_on`) or panic (a tokio
/// runtime's `block_on` inside a runtime).
pub const BLOCK_ON_FNS: &[&[&str]] = &[
    &["futures", "executor", "block_on"],
    &["futures_executor", "block_on"],
    &["futures_lite", "future", "block_on"],
    &["pollster", "block_on"],
    &["async_std", "task", "block_on"],
    &["smol", "block_on"],
];

/// tokio's synchronous entry points to its async primitives; each panics when called
/// from an async context (`Mutex::blocking_lock`, `mpsc::Receiver::blocking_recv`, …).
pub const TOKIO_BLOCKING_METHODS: &[&str] = &[
    "blocking_lock",
    "blocking_recv",
    "blocking_send",
    "blocking_read",
    "blocking_write",
    "blocking_lock_owned",
    "blocking_recv_many",
];

/// Constructors of synchronous channels whose receiver's `recv()` blocks the thread:
/// (constructor path, crate label). The receiver is the tuple's second element.
pub const SYNC_CHANNELS: &[&[&str]] = &[
    &["std", "sync", "mpsc", "channel"],
    &["std", "sync", "mpsc", "sync_channel"],
    &["crossbeam_channel", "unbounded"],
    &["crossbeam_channel", "bounded"],
    &["crossbeam", "channel", "unbounded"],
    &["crossbeam", "channel", "bounded"],
    &["flume", "unbounded"],
    &["flume", "bounded"],
];

/// Synchronous receiver types, by full path.
pub const SYNC_RECEIVER_TYPES: &[&[&str]] = &[
    &["std", "sync", "mpsc", "Receiver"],
    &["crossbeam_channel", "Receiver"],
    &["crossbeam", "channel", "Receiver"],
    &["flume", "Receiver"],
];

/// Blocking receive methods of synchronous channels.
pub const SYNC_RECV_METHODS: &[&str] = &["recv", "recv_timeout"];

/// Methods of `std::io::Read` / `std::io::Write` (and `std::fs::File`) that do I/O.
pub const STD_FILE_IO_METHODS: &[&str] = &[
    "read",
    "read_to_end",
    "read_to_string",
    "read_exact",
    "write",
    "write_all",
    "flush",
    "sync_all",
    "sync_data",
    "set_len",
];

/// diesel's synchronous query execution (`RunQueryDsl`, `ExecuteDsl`): methods taking
/// the connection as their only argument.
pub const DIESEL_SYNC_METHODS: &[&str] = &[
    "load",
    "get_result",
    "get_results",
    "execute",
    "first",
    "load_iter",
];

/// Paths whose import brings diesel's synchronous `RunQueryDsl` into scope.
pub const DIESEL_SYNC_IMPORTS: &[&[&str]] = &[
    &["diesel", "prelude"],
    &["diesel", "RunQueryDsl"],
    &["diesel", "query_dsl", "RunQueryDsl"],
    &["diesel", "dsl", "RunQueryDsl"],
];

/// Crates whose import means diesel queries are run asynchronously.
pub const DIESEL_ASYNC_CRATES: &[&str] = &["diesel_async"];

/// Synchronous connection pools whose `get()` blocks until a connection is free.
pub const SYNC_POOL_TYPES: &[&[&str]] = &[
    &["r2d2", "Pool"],
    &["diesel", "r2d2", "Pool"],
    &["r2d2", "PooledConnection"],
];

/// Crates of synchronous pools (`r2d2`, diesel's re-export).
pub const SYNC_POOL_CRATES: &[&[&str]] = &[&["r2d2"], &["diesel", "r2d2"]];

/// Functions that run a closure off the async runtime's worker threads (on a blocking
/// pool or a thread of its own): blocking calls inside their closure are the fix.
pub const OFFLOADING_FNS: &[&[&str]] = &[
    &["tokio", "task", "spawn_blocking"],
    &["tokio", "task", "block_in_place"],
    &["std", "thread", "spawn"],
    &["std", "thread", "scope"],
    &["rayon", "spawn"],
    &["rayon", "scope"],
    &["actix_web", "web", "block"],
    &["async_std", "task", "spawn_blocking"],
    &["smol", "unblock"],
    &["blocking", "unblock"],
];

/// Methods besides the iterator adaptors whose closure argument runs inline, on the
/// calling task: fallible folds, `Option`/`Result` combinators, entry and sort helpers.
const INLINE_CLOSURE_METHODS: &[&str] = &[
    "find_map",
    "try_fold",
    "and_then",
    "or_else",
    "map_err",
    "map_or",
    "map_or_else",
    "unwrap_or_else",
    "ok_or_else",
    "get_or_insert_with",
    "or_insert_with",
    "retain",
    "sort_by",
    "sort_by_key",
    "max_by_key",
    "min_by_key",
];

/// Whether a method's closure argument runs inline, on the calling task: the iterator
/// adaptors ([`ITER_ADAPTORS`]) and [`INLINE_CLOSURE_METHODS`]. Closures given to any
/// other function may run elsewhere (`spawn_blocking`, `web::block`, deadpool's
/// `interact`) and are not treated as async code.
pub fn runs_closure_inline(method: &str) -> bool {
    ITER_ADAPTORS.contains(&method) || INLINE_CLOSURE_METHODS.contains(&method)
}

/// Iterator methods after which closures run on rayon's thread pool.
pub const PARALLEL_ITER_METHODS: &[&str] = &[
    "par_iter",
    "par_iter_mut",
    "into_par_iter",
    "par_bridge",
    "par_chunks",
    "par_chunks_mut",
    "par_lines",
    "par_bytes",
    "par_split",
    "par_drain",
    "par_windows",
];

/// Whether an async function, by its name, runs once while the program starts (or is a
/// command's entry point): `main`, `kanidm_main`, `main_inner`, `init`, `db_init`,
/// `init_tracing`, `setup`, `setup_routes`, `bootstrap`, `startup`, and constructors
/// (`new`), which build the application's services and stores before it serves.
pub fn is_startup_fn(name: &str) -> bool {
    matches!(
        name,
        "main" | "init" | "setup" | "bootstrap" | "startup" | "new"
    ) || name.ends_with("_main")
        // Schema migrations and configuration loading run once, before serving:
        // `migrate`, `migrate_up`, `run_migrations`, `initialize_db`, `load_config`.
        || name == "migrate"
        || name.starts_with("migrate_")
        || name.ends_with("_migrations")
        || name.ends_with("_migration")
        || name.starts_with("initialize")
        || name.starts_with("initialise")
        || name.starts_with("load_config")
        || name.starts_with("read_config")
        || name.starts_with("load_settings")
        || matches!(name, "main_inner" | "real_main" | "async_main")
        || name.starts_with("init_")
        || name.ends_with("_init")
        || name.starts_with("setup_")
        || name.starts_with("bootstrap_")
}

/// Whether a resolved function path is one of `std::fs`'s blocking functions
/// (`std::fs::read_to_string`, `std::fs::File::open`).
pub fn std_fs_fn(path: &[String]) -> bool {
    match path {
        [a, b, f] if a == "std" && b == "fs" => STD_FS_FNS.contains(&f.as_str()),
        [a, b, t, f] if a == "std" && b == "fs" && t == "File" => {
            STD_FILE_OPENERS.contains(&f.as_str())
        }
        _ => false,
    }
}

/// Whether `path` equals one of `paths`.
pub fn path_in(path: &[String], paths: &[&[&str]]) -> bool {
    paths.iter().any(|p| is_path(path, p))
}

/// Whether `path` equals `p`.
pub fn is_path(path: &[String], p: &[&str]) -> bool {
    path.len() == p.len() && path.iter().zip(p).all(|(a, b)| a == b)
}

/// Whether `path` starts with `prefix`.
pub fn starts_with(path: &[String], prefix: &[&str]) -> bool {
    path.len() >= prefix.len() && path.iter().zip(prefix).all(|(a, b)| a == b)
}

/// The blocking function a resolved path names, with its asynchronous replacement.
pub fn blocking_fn(path: &[String]) -> Option<&'static str> {
    if std_fs_fn(path) {
        return Some(
            "`tokio::fs` (the same functions, `.await`ed), or `tokio::task::spawn_blocking`",
        );
    }
    if let Some(f) = BLOCKING_FNS.iter().find(|f| is_path(path, f.path)) {
        return Some(f.instead);
    }
    if let Some((_, instead)) = BLOCKING_PREFIXES
        .iter()
        .find(|(p, _)| starts_with(path, p) && path.len() > p.len())
    {
        return Some(instead);
    }
    if let [c, f] = path {
        if c == "ureq" && UREQ_FNS.contains(&f.as_str()) {
            return Some("an async HTTP client (`reqwest::Client`)");
        }
    }
    None
}
