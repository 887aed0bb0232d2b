//! The engine side of layer checking (BL401): each file's references to other modules
//! and crates, collected in the per-file pass, and the workspace's layer map (configured
//! or inferred) that settles them in the project pass.
//!
//! [`collect`] gathers the references; [`map::LayerMap`] settles them.

pub mod collect;
pub mod map;

pub use collect::collect;
pub use map::LayerMap;

/// How a reference is written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RefKind {
    /// A leaf of a `use` tree (or its `*`), or a path of several names in code.
    Path,
    /// A single-name path in code (`find(..)`, or a local binding that shadows an
    /// imported module).
    Bare,
    /// A path in the state parameter of a function (`State<PgPool>`).
    State { handler: String, wrapper: String },
}

/// One reference from a module to a path outside it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LayerRef {
    /// The referencing crate (normalized).
    pub krate: Option<String>,
    /// The referencing module (`["crate", "handlers", "user"]`).
    pub module: Vec<String>,
    /// The path referred to, absolute (`crate::…`, `other_crate::…`, `sqlx::…`).
    pub target: Vec<String>,
    pub kind: RefKind,
}

/// What a reference breaks, in the layer map's terms; the rule words it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Breach {
    /// A layer uses a layer it may not.
    Layer {
        /// The referencing module, as shown.
        src: String,
        from: String,
        /// The path as written (resolved), and where it really lives when that is a
        /// re-export.
        target: String,
        real: Option<String>,
        to: String,
        /// The layers `from` may use.
        allowed: Vec<String>,
        /// The layers between `from` and `to`, when `to` is below.
        between: Vec<String>,
        upward: bool,
        /// A repository calling a function of its service (dependency inversion allows
        /// only its types and traits).
        inverted: bool,
    },
    /// A layer uses an external crate that only other layers may use.
    Crate {
        src: String,
        from: String,
        target: String,
        krate: String,
        owners: Vec<String>,
        /// In a handler's state parameter: (handler, wrapper).
        state: Option<(String, String)>,
    },
    /// Two modules declared independent reference each other.
    Independent {
        src: String,
        target: String,
        modules: (String, String),
    },
}

/// A file's part of the layer index: its modules and re-exports.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileLayers {
    pub krate: Option<String>,
    /// The file's module and the inline modules declared in it (test modules excluded).
    pub modules: Vec<Vec<String>>,
    /// `pub use` re-exports: (path it creates, path it stands for).
    pub reexports: Vec<(Vec<String>, Vec<String>)>,
    /// Modules that build or start an HTTP server (`HttpServer::new`): start-up wiring.
    pub wiring: Vec<Vec<String>>,
    /// The configured layer whose `paths` globs match the file.
    pub path_layer: Option<usize>,
}
