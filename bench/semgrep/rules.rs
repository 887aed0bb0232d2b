// Test cases for rules.yaml (`semgrep --test`): each `ruleid:` line must match, each
// `ok:` line must not.
use std::thread;
use std::time::Duration;
use tower_http::cors::CorsLayer;

async fn find(pool: &sqlx::PgPool, name: &str) {
    // ruleid: sqlx-query-format
    let q = sqlx::query(&format!("SELECT * FROM users WHERE name = '{}'", name));
    // ok: sqlx-query-format
    let p = sqlx::query("SELECT * FROM users WHERE name = $1").bind(name);
    // ruleid: thread-sleep-in-async-fn
    std::thread::sleep(Duration::from_millis(10));
    // ruleid: thread-sleep-in-async-fn
    thread::sleep(Duration::from_millis(10));
}

fn client() -> reqwest::Client {
    // ruleid: danger-accept-invalid-certs
    let builder = reqwest::Client::builder().danger_accept_invalid_certs(true);
    // ruleid: unwrap-in-fn
    builder.build().unwrap()
}

fn strict() -> reqwest::Client {
    // ok: danger-accept-invalid-certs
    reqwest::Client::builder().danger_accept_invalid_certs(false).build().expect("tls")
}

fn cors() -> CorsLayer {
    // ruleid: cors-permissive
    CorsLayer::permissive()
}

fn pause() {
    // ok: thread-sleep-in-async-fn
    thread::sleep(Duration::from_millis(10));
}
