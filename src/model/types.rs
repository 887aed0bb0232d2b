//! Types whose values are bounded: formatting them can only produce digits, `true`,
//! a UUID, a date, … — never SQL syntax or free text.

use syn::{GenericArgument, PathArguments, Type};

const BOUNDED: &[&str] = &[
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "f32",
    "f64",
    "bool",
    "char",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroI64",
    "NonZeroUsize",
    "Uuid",
    "NaiveDate",
    "NaiveDateTime",
    "NaiveTime",
    "DateTime",
    "Date",
    "Time",
    "OffsetDateTime",
    "PrimitiveDateTime",
    "Duration",
    "Decimal",
    "BigDecimal",
    "Ipv4Addr",
    "Ipv6Addr",
    "IpAddr",
    "SocketAddr",
    "Ordering",
];

/// Whether a type name (a path's last segment) is a bounded type: `char`, `i64`,
/// `Uuid`, …
pub fn is_bounded_name(name: &str) -> bool {
    BOUNDED.contains(&name)
}

/// The primitive integer types.
pub const INTEGER_TYPES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
];

/// Whether a type name is a primitive integer type (`u32`, `isize`).
pub fn is_integer_type(name: &str) -> bool {
    INTEGER_TYPES.contains(&name)
}

/// Whether a type name is a primitive number type (an integer or a float).
pub fn is_number_type(name: &str) -> bool {
    is_integer_type(name) || name == "f32" || name == "f64"
}

/// Whether a type name is a primitive type: a number, `bool`, `char` or `str`.
pub fn is_primitive_type(name: &str) -> bool {
    is_number_type(name) || matches!(name, "bool" | "char" | "str")
}

/// Wrappers that dereference to their first type argument: smart pointers and web
/// framework extractors (`Query<Params>` is used as `Params`).
const DEREF_WRAPPERS: &[&str] = &[
    "Box",
    "Rc",
    "Arc",
    "Query",
    "Json",
    "Path",
    "Form",
    "State",
    "Extension",
    "Data",
    "Valid",
    "Validated",
    "Garde",
    "Validified",
    "QsQuery",
    "TypedHeader",
];

/// Types whose values hold values of their first type argument (`Vec<T>`, `Option<T>`):
/// a payload of such a type is a payload of `T`.
pub const ELEMENT_WRAPPERS: &[&str] = &["Vec", "Option", "Box", "Arc"];

/// The last path segment of a type, looking through references, parentheses and
/// dereferencing wrappers (`&Query<Params>` → `Params`).
pub fn type_name(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            if DEREF_WRAPPERS.contains(&seg.ident.to_string().as_str()) {
                if let Some(inner) = first_type_arg(seg) {
                    return type_name(inner);
                }
            }
            Some(seg)
        }
        Type::Reference(r) => type_name(&r.elem),
        Type::Paren(p) => type_name(&p.elem),
        Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

/// The first generic type argument of a path type (`Vec<T>` → `T`).
pub fn first_type_arg(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

/// Whether values of this type are bounded (numbers, bool, char, UUIDs, dates), also
/// through `Option`, references and `Box`. `extra` names further bounded types (fieldless
/// enums of the file).
pub fn is_bounded(ty: &Type, extra: &dyn Fn(&str) -> bool) -> bool {
    match ty {
        Type::Reference(r) => is_bounded(&r.elem, extra),
        Type::Paren(p) => is_bounded(&p.elem, extra),
        Type::Group(g) => is_bounded(&g.elem, extra),
        Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(|e| is_bounded(e, extra)),
        Type::Path(p) => {
            let Some(seg) = p.path.segments.last() else {
                return false;
            };
            let name = seg.ident.to_string();
            if matches!(name.as_str(), "Option" | "Box" | "Wrapping") {
                return first_type_arg(seg).is_some_and(|t| is_bounded(t, extra));
            }
            BOUNDED.contains(&name.as_str()) || extra(&name)
        }
        _ => false,
    }
}

/// The name of a user-defined type a value has, looking through references, `Option`,
/// `Box`, `Rc`, `Arc`; `None` for std text/collection types and generic parameters.
pub fn core_type_name(ty: &Type) -> Option<String> {
    let seg = type_name(ty)?;
    let name = seg.ident.to_string();
    match name.as_str() {
        "Option" | "Cow" => first_type_arg(seg).and_then(core_type_name),
        "String" | "str" | "Vec" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" | "Value"
        | "Self" | "OsString" | "OsStr" | "PathBuf" | "Path" => None,
        n if n.len() == 1 => None,
        _ => Some(name),
    }
}

/// The user-defined element type of a collection held directly or in an `Option`,
/// reference or box (`Option<&Vec<JobStatus>>` → `JobStatus`).
pub fn element_core_type_name(ty: &Type) -> Option<String> {
    let seg = type_name(ty)?;
    match seg.ident.to_string().as_str() {
        "Option" => first_type_arg(seg).and_then(element_core_type_name),
        _ => element_type(ty).and_then(core_type_name),
    }
}

/// The element type of a collection type (`Vec<T>`, `&[T]`, `[T; N]`, sets, `Option<T>`).
pub fn element_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(r) => element_type(&r.elem),
        Type::Slice(s) => Some(&s.elem),
        Type::Array(a) => Some(&a.elem),
        Type::Paren(p) => element_type(&p.elem),
        Type::Path(p) => {
            let seg = p.path.segments.last()?;
            match seg.ident.to_string().as_str() {
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "Option" | "IndexSet"
                | "SmallVec" => first_type_arg(seg),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the type is a string type (`String`, `&str`, `Cow<str>`).
pub fn is_string(ty: &Type) -> bool {
    type_name(ty).is_some_and(|s| matches!(s.ident.to_string().as_str(), "String" | "str"))
}

/// Whether a function returning this type returns text (`String`, `&str`, `Cow<str>`,
/// also inside `Result`/`Option`).
pub fn is_text_return(ty: &Type) -> bool {
    let Some(seg) = type_name(ty) else {
        return false;
    };
    match seg.ident.to_string().as_str() {
        "String" | "str" | "Cow" => true,
        "Result" | "Option" => first_type_arg(seg).is_some_and(is_text_return),
        _ => false,
    }
}

/// Wrappers a shared value is held in: `Arc<Pool>`, actix's `web::Data<Pool>`, axum's
/// `State<Pool>` / `Extension<Pool>`.
pub const SHARING_WRAPPERS: &[&str] = &["Arc", "Rc", "Box", "Data", "State", "Extension"];

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Type {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn bounded_types() {
        let none = |_: &str| false;
        assert!(is_bounded(&t("i64"), &none));
        assert!(is_bounded(&t("Option<&u32>"), &none));
        assert!(is_bounded(&t("uuid::Uuid"), &none));
        assert!(!is_bounded(&t("String"), &none));
        assert!(!is_bounded(&t("&str"), &none));
        assert!(is_bounded(&t("SortOrder"), &|n| n == "SortOrder"));
        assert!(element_type(&t("&[i64]")).is_some_and(|e| is_bounded(e, &none)));
        assert!(element_type(&t("Vec<String>")).is_some_and(|e| !is_bounded(e, &none)));
    }
}
