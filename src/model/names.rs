//! Identifier conventions.

/// Splits an identifier into lower-case words: `userPassword`, `user_password` and
/// `user-password` all give `["user", "password"]`.
pub fn words(ident: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in ident.trim_start_matches("r#").chars() {
        if ch == '_' || ch == '-' || ch == '.' || ch == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a name says its value is an SQL identifier or a placeholder list chosen by
/// the program (`table`, `table_name`, `columns`, `schema`, `placeholders`), not data.
pub fn is_sql_identifier_name(ident: &str) -> bool {
    let w = words(ident);
    let Some(last) = w.last() else { return false };
    const LAST: &[&str] = &[
        "table",
        "tables",
        "tbl",
        "column",
        "columns",
        "col",
        "cols",
        "schema",
        "placeholder",
        "placeholders",
        "params",
        "binds",
    ];
    if LAST.contains(&last.as_str()) {
        return true;
    }
    if last == "name" || last == "names" || last == "ident" || last == "list" {
        if let Some(prev) = w.get(w.len().wrapping_sub(2)) {
            return matches!(
                prev.as_str(),
                "table"
                    | "column"
                    | "col"
                    | "schema"
                    | "index"
                    | "idx"
                    | "constraint"
                    | "sequence"
                    | "seq"
                    | "field"
                    | "relation"
                    | "view"
                    | "trigger"
                    | "db"
                    | "database"
                    | "enum"
                    | "type"
                    | "function"
                    | "extension"
                    | "collation"
                    | "savepoint"
                    | "partition"
                    | "policy"
                    | "tablespace"
            );
        }
    }
    false
}

/// Whether an identifier is written like a constant (`MAX_ROWS`, `TABLE`).
pub fn is_const_case(ident: &str) -> bool {
    let ident = ident.trim_start_matches("r#");
    ident.chars().any(|c| c.is_ascii_uppercase())
        && ident
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether an identifier is written like a type or variant (`SortOrder`, `Asc`).
pub fn is_camel_case(ident: &str) -> bool {
    ident.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && !is_const_case(ident)
}

/// Whether a method name says it converts a value (typically an enum) to a fixed SQL
/// keyword or identifier: `as_sql`, `as_idx_str`, `sql_name`, `as_static_str`.
pub fn is_static_str_method(name: &str) -> bool {
    let w = words(name);
    match w.as_slice() {
        [a, b] if a == "as" && b == "sql" => true,
        [a, b] if a == "sql" && (b == "name" || b == "keyword") => true,
        [a, .., z] if a == "as" && z == "str" && w.len() >= 3 => true,
        _ => false,
    }
}

/// Whether a crate name says it only supports tests (`crates_io_test_db`, `test-utils`).
pub fn is_test_crate_name(name: &str) -> bool {
    words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "test" | "tests" | "testing" | "testutils" | "fixtures"
        )
    })
}

/// Whether a name says its value is a number (`page_count`, `checkpoint_pages`,
/// `timeout_ms`). Used only where no type is known (method results, unknown fields).
pub fn is_numeric_name(ident: &str) -> bool {
    let w = words(ident);
    let Some(last) = w.last() else { return false };
    matches!(
        last.as_str(),
        "count"
            | "pages"
            | "size"
            | "len"
            | "length"
            | "limit"
            | "offset"
            | "num"
            | "total"
            | "timeout"
            | "millis"
            | "ms"
            | "secs"
            | "seconds"
            | "port"
            | "capacity"
            | "bytes"
            | "percent"
            | "ratio"
            | "depth"
            | "retries"
            | "attempts"
            | "ttl"
            | "version"
    ) && !w.iter().any(|x| x == "str" || x == "string" || x == "name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_snake_camel_kebab() {
        assert_eq!(words("userPassword"), ["user", "password"]);
        assert_eq!(words("user_password"), ["user", "password"]);
        assert_eq!(words("user-password"), ["user", "password"]);
        assert_eq!(words("APIKey"), ["apikey"]);
        assert_eq!(words("r#type"), ["type"]);
    }

    #[test]
    fn identifier_names() {
        for n in [
            "table",
            "table_name",
            "tableName",
            "columns",
            "schema",
            "placeholders",
        ] {
            assert!(is_sql_identifier_name(n), "{n}");
        }
        for n in ["name", "user_name", "filter", "search", "tablecloth", "q"] {
            assert!(!is_sql_identifier_name(n), "{n}");
        }
    }

    #[test]
    fn case_conventions() {
        assert!(is_const_case("MAX_ROWS"));
        assert!(!is_const_case("Max"));
        assert!(is_camel_case("SortOrder"));
        assert!(!is_camel_case("TABLE"));
    }
}
