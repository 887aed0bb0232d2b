//! A bound on how deeply a file's syntax tree can nest, computed from its tokens without
//! parsing, so that a file too deep for the analysis threads' stack is reported instead of
//! overflowing it (`syn`'s parser, the walker and the tree's destructor all recurse once
//! per level of nesting, and a stack overflow aborts the whole process).
//!
//! Every node of the tree consumes at least one token of its own (a keyword, an operator,
//! a delimited group), so along any root-to-leaf path the nodes between two group levels
//! are at most the tokens of the *syntactic unit* they sit in: the statement, item, list
//! element or match arm. The bound is the largest sum, over a chain of nested groups, of
//! the length of the unit holding each group. Units are split only where no node can
//! straddle the split: after `;` and `=>`, at a `,` outside `<…>` and closure parameters
//! (tracked conservatively: any `<` or `|` keeps the unit whole until the next `;`/`=>`),
//! and between a `{…}` group and a token that starts a new statement or item.

use proc_macro2::{Delimiter, LineColumn, Spacing, TokenStream, TokenTree};

/// The deepest nesting bound analysed. Measured on the debug build, the costliest
/// construct (nested blocks, whose every level passes through the statement, expression
/// and block visitors) uses under 7 KiB of stack per token of the bound; the 1 GiB
/// analysis stack holds 21 KiB per token at this limit, a margin of three.
pub const MAX_NESTING: usize = 50_000;

/// Where a file's nesting bound exceeded [`MAX_NESTING`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    /// The bound reached when the scan stopped (at least `MAX_NESTING + 1`).
    pub bound: usize,
    /// The token at which it did.
    pub at: LineColumn,
}

/// Whether `text` may nest deeper than [`MAX_NESTING`] (`None` for text too short to
/// nest that deep, or that does not lex, which the parser then reports).
pub fn too_deep(text: &str) -> Option<TooDeep> {
    // Nesting never exceeds the token count, nor the token count the byte count.
    if text.len() <= MAX_NESTING {
        return None;
    }
    // The parser skips a first line starting with `#!` unless it is an inner attribute:
    // scan both readings.
    let mut readings = vec![text];
    if text.starts_with("#!") {
        readings.push(text.find('\n').map_or("", |i| &text[i..]));
    }
    readings
        .into_iter()
        .filter_map(|t| t.parse::<TokenStream>().ok())
        .find_map(|tokens| nesting_bound(tokens, MAX_NESTING).err())
}

/// Why [`parse_file`] gave no tree.
#[derive(Debug)]
pub enum ParseFailure {
    /// The file may nest deeper than [`MAX_NESTING`]: it was not parsed.
    TooDeep(TooDeep),
    /// `syn` rejected it.
    Syntax(syn::Error),
}

/// `syn::parse_file`, refusing text that may nest deeper than [`MAX_NESTING`]. Text long
/// enough to need the check is lexed once: the tokens are moved through the bound's scan
/// and put back together (cheaper than copying them, and than lexing again), then parsed
/// as `syn::parse_file` would (after the byte order mark; spans and errors are the same).
/// A file starting with `#!` takes the slower path of [`too_deep`] and `syn::parse_file`.
pub fn parse_file(text: &str) -> Result<syn::File, ParseFailure> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() <= MAX_NESTING || body.starts_with("#!") {
        if let Some(deep) = too_deep(text) {
            return Err(ParseFailure::TooDeep(deep));
        }
        return syn::parse_file(text).map_err(ParseFailure::Syntax);
    }
    let Ok(tokens) = body.parse::<TokenStream>() else {
        // Not lexable, so not too deep: syn gives the error.
        return syn::parse_file(text).map_err(ParseFailure::Syntax);
    };
    let (_, tokens) = bound_and_rebuild(tokens, MAX_NESTING).map_err(ParseFailure::TooDeep)?;
    syn::parse2::<syn::File>(tokens).map_err(ParseFailure::Syntax)
}

/// The state of one token sequence (the file, or a group's contents) being scanned.
struct Seq {
    tokens: proc_macro2::token_stream::IntoIter,
    /// The tokens scanned so far, moved here to rebuild the sequence.
    out: Vec<TokenTree>,
    /// The group this sequence is the contents of: its delimiter and span.
    group: Option<(Delimiter, proc_macro2::Span)>,
    /// The largest bound of a finished unit.
    best: usize,
    /// Tokens of the current unit so far.
    unit: usize,
    /// The deepest bound of a group in the current unit.
    child: usize,
    /// `<` not yet closed by `>` in the unit (comparisons and shifts included).
    angles: usize,
    /// A `|` in the unit: closure parameters may be open.
    pipes: bool,
    /// The previous token was a `{…}` group.
    after_brace: bool,
    /// The previous token was a joint `-` or `=` (so a `>` ends `->` / `=>`).
    arrow: Option<char>,
}

impl Seq {
    fn new(tokens: TokenStream, group: Option<(Delimiter, proc_macro2::Span)>) -> Self {
        Seq {
            tokens: tokens.into_iter(),
            out: Vec::new(),
            group,
            best: 0,
            unit: 0,
            child: 0,
            angles: 0,
            pipes: false,
            after_brace: false,
            arrow: None,
        }
    }

    fn split(&mut self) {
        self.best = self.best.max(self.unit + self.child);
        self.unit = 0;
        self.child = 0;
        self.angles = 0;
        self.pipes = false;
    }

    /// The sequence's bound and its tokens, rebuilt (as a group when it is one).
    fn finish(mut self) -> (usize, TokenStream) {
        self.split();
        let tokens: TokenStream = self.out.into_iter().collect();
        (self.best, tokens)
    }
}

/// Whether a token after a `{…}` group starts a new statement, item or match arm.
fn starts_unit(tt: &TokenTree) -> bool {
    match tt {
        // Only these continue an expression, pattern or item after a `{…}` group.
        TokenTree::Ident(i) => !(i == "else" || i == "as" || i == "in" || i == "if"),
        TokenTree::Literal(_) => true,
        TokenTree::Punct(p) => matches!(p.as_char(), '#' | '\''),
        TokenTree::Group(_) => false,
    }
}

/// The nesting bound of `tokens` (see the module documentation), or where it exceeds
/// `limit` (the scan stops there). Iterative: the token tree may be deeper than the stack.
pub fn nesting_bound(tokens: TokenStream, limit: usize) -> Result<usize, TooDeep> {
    bound_and_rebuild(tokens, limit).map(|(bound, _)| bound)
}

/// [`nesting_bound`], also giving back the tokens. They are moved through the scan and
/// put back together (groups with their delimiters and spans), which costs less than
/// scanning a copy: copying a token stream copies every identifier and literal.
fn bound_and_rebuild(tokens: TokenStream, limit: usize) -> Result<(usize, TokenStream), TooDeep> {
    let mut stack = vec![Seq::new(tokens, None)];
    // The tokens of the open units of all the sequences on the stack: already part of
    // the bound.
    let mut open = 0;
    while let Some(seq) = stack.last_mut() {
        let Some(tt) = seq.tokens.next() else {
            open -= seq.unit;
            let Some(done) = stack.pop() else { break };
            let group = done.group;
            let (bound, tokens) = done.finish();
            match (stack.last_mut(), group) {
                (Some(parent), Some((delimiter, span))) => {
                    parent.child = parent.child.max(bound);
                    let mut g = proc_macro2::Group::new(delimiter, tokens);
                    g.set_span(span);
                    parent.out.push(TokenTree::Group(g));
                }
                _ => return Ok((bound, tokens)),
            }
            continue;
        };
        let arrow = seq.arrow.take();
        if std::mem::take(&mut seq.after_brace) && starts_unit(&tt) {
            open -= seq.unit;
            seq.split();
        }
        seq.unit += 1;
        open += 1;
        if open > limit {
            return Err(TooDeep {
                bound: open,
                at: tt.span().start(),
            });
        }
        match tt {
            TokenTree::Group(g) => {
                seq.after_brace = g.delimiter() == Delimiter::Brace;
                let group = (g.delimiter(), g.span());
                // Once the group is gone its contents are not shared, so they are moved
                // out rather than copied.
                let inner = g.stream();
                drop(g);
                stack.push(Seq::new(inner, Some(group)));
                continue;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let split = match c {
                    ';' => true,
                    ',' => seq.angles == 0 && !seq.pipes,
                    '>' => match arrow {
                        Some('=') => true,
                        Some(_) => false,
                        None => {
                            seq.angles = seq.angles.saturating_sub(1);
                            false
                        }
                    },
                    '<' => {
                        seq.angles += 1;
                        false
                    }
                    '|' => {
                        seq.pipes = true;
                        false
                    }
                    '-' | '=' if p.spacing() == Spacing::Joint => {
                        seq.arrow = Some(c);
                        false
                    }
                    _ => false,
                };
                if split {
                    open -= seq.unit;
                    seq.split();
                }
                seq.out.push(TokenTree::Punct(p));
            }
            other => seq.out.push(other),
        }
    }
    Ok((0, TokenStream::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(s: &str) -> usize {
        nesting_bound(s.parse().unwrap(), usize::MAX).unwrap()
    }

    #[test]
    fn siblings_do_not_add_up() {
        let items = "fn f() { let a = 1; let b = 2; }\n".repeat(1000);
        assert!(bound(&items) < 20, "{}", bound(&items));
        let arms = format!(
            "match x {{ {} }}",
            "A => 1, B(x) => {} C => {}\n".repeat(1000)
        );
        assert!(bound(&arms) < 20, "{}", bound(&arms));
        let list = format!("[{}]", "1, ".repeat(10_000));
        assert!(bound(&list) < 10);
        let structs = "struct S { a: A }\nimpl S {}\n#[derive(Debug)]\nenum E {}\n".repeat(100);
        assert!(bound(&structs) < 10, "{}", bound(&structs));
    }

    #[test]
    fn nesting_counts_however_it_is_spelled() {
        let n = 1000;
        let deep = |s: String| assert!(bound(&s) >= n, "{} for {s:.60}", bound(&s));
        deep(format!("{}1{}", "(".repeat(n), ")".repeat(n)));
        deep(format!("{}1{}", "{".repeat(n), "}".repeat(n)));
        deep(vec!["x"; n + 1].join(" + "));
        deep(format!("x{}", ".a()".repeat(n)));
        deep(format!("{}x", "!".repeat(n)));
        deep(format!("{}x", "|a, b| ".repeat(n)));
        deep(format!("x {} 1", "= x ".repeat(n)));
        deep(format!("if a {{}} {}", "else if a {} ".repeat(n)));
        deep(format!(
            "type T = {}i32{};",
            "Vec<A, ".repeat(n),
            ">".repeat(n)
        ));
        deep(format!("type T = {}i32;", "fn(a, b) -> ".repeat(n)));
        deep(format!(
            "fn f<T: {}B{}>() {{}}",
            "A<".repeat(n),
            ">".repeat(n)
        ));
        deep(format!(
            "{} fn f() {{}} {}",
            "mod a {".repeat(n),
            "}".repeat(n)
        ));
        deep(format!("for x in {} y", "for S {} in ".repeat(n)));
    }

    #[test]
    fn short_or_unlexable_text_is_never_too_deep() {
        assert_eq!(too_deep(&"(".repeat(MAX_NESTING)), None);
        assert_eq!(
            too_deep(&format!("\"{}", "(".repeat(2 * MAX_NESTING))),
            None
        );
        let n = MAX_NESTING + 1;
        let deep = format!("fn f() {{\n{}{}}}", "(".repeat(n), ")".repeat(n));
        let found = too_deep(&deep).unwrap();
        assert_eq!(found.at.line, 2);
        assert!(found.bound > MAX_NESTING);
        // Behind a shebang line that does not lex.
        assert!(too_deep(&format!("#!/bin/sh \"\n{deep}")).is_some());
    }

    #[test]
    fn rebuilt_tokens_parse_to_the_same_tree_and_spans() {
        // Over the size at which `parse_file` lexes once and rebuilds the token groups.
        let unit = "/// doc\n#[derive(Debug)]\npub struct S { a: Vec<(u8, [i32; 2])> }\n\
                    fn f(x: &str) -> String { let v = vec![1, 2]; format!(\"{x} {}\", v[0]) }\n\
                    macro_rules! m { ($e:expr) => { $e + 1 }; }\n";
        let text = format!(
            "\u{feff}//! top\n{}",
            unit.repeat(MAX_NESTING / unit.len() + 2)
        );
        assert!(text.len() > MAX_NESTING);
        let ours = parse_file(&text).unwrap();
        let syns = syn::parse_file(&text).unwrap();
        assert!(ours == syns, "the trees differ");
        fn spans(ts: TokenStream, out: &mut Vec<(LineColumn, LineColumn, String)>) {
            for t in ts {
                let s = t.span();
                out.push((s.start(), s.end(), t.to_string()));
                if let TokenTree::Group(g) = t {
                    let (open, close) = (g.span_open(), g.span_close());
                    out.push((open.start(), close.end(), String::new()));
                    spans(g.stream(), out);
                }
            }
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        spans(quote::ToTokens::into_token_stream(ours), &mut a);
        spans(quote::ToTokens::into_token_stream(syns), &mut b);
        assert_eq!(a.len(), b.len());
        assert!(a == b, "the spans differ");
    }
}
