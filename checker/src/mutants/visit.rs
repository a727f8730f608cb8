//! Where a file can be mutated: a syntax-tree visitor that finds each site of each operator
//! and turns it into a [`Mutant`] (text edits on the source, located by the tokens' spans).
//! Test code (`#[cfg(test)]` modules, `#[test]` functions) is left alone, and so is anything
//! inside a macro call (its tokens are not parsed).

use std::collections::HashSet;
use std::ops::Range;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{BinOp, Expr, Pat, ReturnType, Stmt, Type, UnOp};

use super::{Edit, Genre, Mutant};

/// Every mutant of `file`, whose text is `source`.
pub(super) fn sites(file: &syn::File, source: &str) -> Vec<Mutant> {
    let mut visitor = Visitor {
        source,
        scope: Vec::new(),
        awaited: HashSet::new(),
        found: Vec::new(),
    };
    visitor.visit_file(file);
    visitor.found
}

/// Calls whose removal is a clean-up left undone: a child never reaped, a descriptor or a name
/// never released, a signal never sent, output never flushed.
const CLEANUP: &[&str] = &[
    "waitpid",
    "wait",
    "close",
    "unlink",
    "shm_unlink",
    "remove_file",
    "munmap",
    "kill",
    "killpg",
    "flush",
    "shutdown",
    "setsid",
];

/// Parallel iterator methods and their sequential twins.
const PARALLEL: &[(&str, &str)] = &[
    ("par_iter", "iter"),
    ("par_iter_mut", "iter_mut"),
    ("into_par_iter", "into_iter"),
    ("par_chunks", "chunks"),
    ("par_chunks_mut", "chunks_mut"),
    ("par_windows", "windows"),
    ("par_sort", "sort"),
    ("par_sort_unstable", "sort_unstable"),
    ("par_sort_by_key", "sort_by_key"),
    ("par_extend", "extend"),
];

struct Visitor<'s> {
    source: &'s str,
    /// The enclosing `impl` type and function names.
    scope: Vec<String>,
    /// Where awaited expressions start: their `lock()` is an async lock's.
    awaited: HashSet<usize>,
    found: Vec<Mutant>,
}

impl Visitor<'_> {
    fn range(node: &impl Spanned) -> Range<usize> {
        node.span().byte_range()
    }

    fn text(&self, node: &impl Spanned) -> &str {
        &self.source[Self::range(node)]
    }

    /// The source of `node` on one line, shortened for a description.
    fn quote(&self, node: &impl Spanned) -> String {
        let flat: String = self
            .text(node)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" .", ".");
        if flat.chars().count() > 60 {
            format!("{}…", flat.chars().take(59).collect::<String>())
        } else {
            flat
        }
    }

    fn push(&mut self, genre: Genre, description: String, edits: Vec<Edit>) {
        let Some(first) = edits.first() else { return };
        let line = self.source[..first.start].matches('\n').count() + 1;
        let function = if self.scope.is_empty() {
            "(module)".to_owned()
        } else {
            self.scope.join("::")
        };
        self.found.push(Mutant {
            function,
            genre,
            description,
            line,
            edits,
            id: String::new(),
        });
    }

    fn replace(&mut self, genre: Genre, node: &impl Spanned, with: &str, description: String) {
        let Range { start, end } = Self::range(node);
        self.push(
            genre,
            description,
            vec![Edit {
                start,
                end,
                text: with.to_owned(),
            }],
        );
    }

    /// The body-replacing mutants of a function returning `output`.
    fn bodies(&mut self, output: &ReturnType, block: &syn::Block) {
        let values: Vec<String> = match output {
            ReturnType::Default if !block.stmts.is_empty() => vec!["()".to_owned()],
            ReturnType::Type(_, ty) => defaults(ty),
            ReturnType::Default => Vec::new(),
        };
        for value in values {
            let value = if value == "()" {
                "{}".to_owned()
            } else {
                format!("{{ {value} }}")
            };
            let description = format!("replace the body with `{value}`");
            self.replace(Genre::Body, block, &value, description);
        }
    }

    /// Mutants of a block's statements: removals, early releases, swapped acquisitions.
    fn statements(&mut self, block: &syn::Block) {
        let stmts = &block.stmts;
        for (i, stmt) in stmts.iter().enumerate() {
            if let Some(expr) = deletable(stmt) {
                self.deletion(stmt, expr);
            }
            let Some(guard) = guard_binding(stmt) else {
                continue;
            };
            // Released between two uses and taken again: the two steps are no longer one
            // critical section (a check-then-act race).
            let uses: Vec<usize> = (i + 1..stmts.len())
                .filter(|&j| mentions(&stmts[j], &guard.name))
                .collect();
            if let [first, _, ..] = uses[..] {
                let at = Self::range(&stmts[first + 1]).start;
                let init = self.text(guard.init).to_owned();
                let mutability = if guard.mutable { "mut " } else { "" };
                self.push(
                    Genre::GuardScope,
                    format!(
                        "release `{}` early (between two uses) and lock it again",
                        guard.name
                    ),
                    vec![Edit {
                        start: at,
                        end: at,
                        text: format!(
                            "drop({name}); let {mutability}{name} = {init}; ",
                            name = guard.name
                        ),
                    }],
                );
            }
            // Two locks taken one after the other, the other way round.
            if let Some(next) = stmts.get(i + 1)
                && let Some(other) = guard_binding(next)
            {
                let (a, b) = (Self::range(stmt), Self::range(next));
                let (a_text, b_text) = (
                    self.source[a.clone()].to_owned(),
                    self.source[b.clone()].to_owned(),
                );
                self.push(
                    Genre::LockOrder,
                    format!("lock `{}` before `{}`", other.name, guard.name),
                    vec![
                        Edit {
                            start: a.start,
                            end: a.end,
                            text: b_text,
                        },
                        Edit {
                            start: b.start,
                            end: b.end,
                            text: a_text,
                        },
                    ],
                );
            }
        }
    }

    /// The removal of a statement whose call matters to the concept.
    fn deletion(&mut self, stmt: &Stmt, expr: &Expr) {
        let calls = calls(expr);
        let has = |name: &str, args: Option<usize>| {
            calls
                .iter()
                .any(|(n, count)| n == name && args.is_none_or(|a| a == *count))
        };
        let genre = if has("join", Some(0)) {
            Genre::Join
        } else if matches!(calls.first(), Some((name, 1)) if name == "drop") {
            Genre::GuardScope
        } else if CLEANUP.iter().any(|name| has(name, None)) {
            Genre::Cleanup
        } else if ["notify_one", "notify_all", "notify_waiters"]
            .iter()
            .any(|name| has(name, None))
        {
            Genre::Notify
        } else if has("yield_now", Some(0)) {
            Genre::Yield
        } else if let Expr::Await(awaited) = expr {
            // The future is created and dropped without ever being polled.
            let base = self.text(&*awaited.base).to_owned();
            let description = format!("remove the `.await` of `{}`", self.quote(&*awaited.base));
            self.replace(Genre::Await, stmt, &format!("drop({base});"), description);
            return;
        } else {
            return;
        };
        let description = format!("delete `{}`", self.quote(stmt));
        self.replace(genre, stmt, "", description);
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if !is_test(&module.attrs) {
            self.scope.push(module.ident.to_string());
            visit::visit_item_mod(self, module);
            self.scope.pop();
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if is_test(&item.attrs) {
            return;
        }
        let name = match &*item.self_ty {
            Type::Path(path) => path
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            _ => "impl".to_owned(),
        };
        self.scope.push(name);
        visit::visit_item_impl(self, item);
        self.scope.pop();
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if is_test(&item.attrs) {
            return;
        }
        self.scope.push(item.sig.ident.to_string());
        self.bodies(&item.sig.output, &item.block);
        visit::visit_item_fn(self, item);
        self.scope.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if is_test(&item.attrs) {
            return;
        }
        self.scope.push(item.sig.ident.to_string());
        self.bodies(&item.sig.output, &item.block);
        visit::visit_impl_item_fn(self, item);
        self.scope.pop();
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.statements(block);
        visit::visit_block(self, block);
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        let segments = &expr.path.segments;
        if let Some(last) = segments.last() {
            let name = last.ident.to_string();
            let ordering_path = segments.len() == 1
                || segments
                    .iter()
                    .rev()
                    .nth(1)
                    .is_some_and(|s| s.ident == "Ordering");
            if ordering_path && ["SeqCst", "AcqRel", "Acquire", "Release"].contains(&name.as_str())
            {
                let whole = self.quote(expr);
                let weaker = whole.replace(&name, "Relaxed");
                self.replace(
                    Genre::Ordering,
                    &last.ident,
                    "Relaxed",
                    format!("replace `{whole}` with `{weaker}`"),
                );
            }
        }
        visit::visit_expr_path(self, expr);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        let start = Self::range(call).start;
        match method.as_str() {
            "notify_all" | "notify_waiters" => self.replace(
                Genre::Notify,
                &call.method,
                "notify_one",
                format!("replace `{method}` with `notify_one`"),
            ),
            "wait_while" if call.args.len() == 2 => {
                let first = Self::range(&call.args[0]);
                let second = Self::range(&call.args[1]);
                self.push(
                    Genre::WaitLoop,
                    "replace `wait_while` with `wait` (no re-check after waking)".to_owned(),
                    vec![
                        Edit {
                            start: Self::range(&call.method).start,
                            end: Self::range(&call.method).end,
                            text: "wait".to_owned(),
                        },
                        Edit {
                            start: first.end,
                            end: second.end,
                            text: String::new(),
                        },
                    ],
                );
            }
            "fetch_add" | "fetch_sub" if call.args.len() == 2 => {
                let target = self.text(&*call.receiver).to_owned();
                let (amount, order) = (self.text(&call.args[0]), self.text(&call.args[1]));
                let op = if method == "fetch_add" { "+" } else { "-" };
                let split = format!(
                    "{{ let old = {target}.load({order}); {target}.store(old {op} {amount}, {order}); old }}"
                );
                self.replace(
                    Genre::Atomicity,
                    call,
                    &split,
                    format!("split `{}` into a load and a store", self.quote(call)),
                );
            }
            "lock" if call.args.is_empty() && !self.awaited.contains(&start) => self.replace(
                Genre::TryLock,
                &call.method,
                "try_lock",
                format!("replace `{}` with `try_lock()`", self.quote(call)),
            ),
            _ => {
                if let Some((_, sequential)) = PARALLEL.iter().find(|(p, _)| *p == method) {
                    self.replace(
                        Genre::Parallel,
                        &call.method,
                        sequential,
                        format!("replace `{method}` with `{sequential}`"),
                    );
                }
            }
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func {
            let segments: Vec<String> = path
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let last = segments.last().map(String::as_str).unwrap_or_default();
            let args: Vec<&Expr> = call.args.iter().collect();
            match (last, args.as_slice()) {
                ("spawn_blocking", [work]) => {
                    let work = self.text(*work).to_owned();
                    let inline = format!(
                        "::std::future::ready(::std::result::Result::<_, ::tokio::task::JoinError>::Ok(({work})()))"
                    );
                    self.replace(
                        Genre::Blocking,
                        call,
                        &inline,
                        "run the `spawn_blocking` work on the async runtime's thread".to_owned(),
                    );
                }
                ("join", [a, b])
                    if segments.first().is_some_and(|s| s == "rayon")
                        || (segments.len() == 1
                            && matches!(a, Expr::Closure(_))
                            && matches!(b, Expr::Closure(_))) =>
                {
                    let sequential = format!("(({})(), ({})())", self.text(*a), self.text(*b));
                    self.replace(
                        Genre::Parallel,
                        call,
                        &sequential,
                        "run both halves of `join` one after the other".to_owned(),
                    );
                }
                ("_exit", [_]) => self.replace(
                    Genre::Exit,
                    &*call.func,
                    "::std::process::exit",
                    format!(
                        "replace `{}` with `std::process::exit`",
                        self.quote(&*call.func)
                    ),
                ),
                _ => {}
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_await(&mut self, awaited: &'ast syn::ExprAwait) {
        self.awaited.insert(Self::range(&*awaited.base).start);
        if let Expr::Call(call) = &*awaited.base
            && let Expr::Path(path) = &*call.func
            && path
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "sleep")
            && path
                .path
                .segments
                .iter()
                .any(|s| s.ident == "time" || s.ident == "tokio")
            && call.args.len() == 1
        {
            let duration = self.text(&call.args[0]).to_owned();
            self.replace(
                Genre::Blocking,
                awaited,
                &format!("::std::thread::sleep({duration})"),
                "replace `tokio::time::sleep(..).await` with `std::thread::sleep(..)`".to_owned(),
            );
        }
        visit::visit_expr_await(self, awaited);
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        if expr.label.is_none() && calls_method(&expr.body, &["wait", "wait_timeout"]) {
            self.replace(
                Genre::WaitLoop,
                &expr.while_token,
                "if",
                format!(
                    "replace `while {}` with `if` around a wait",
                    self.quote(&*expr.cond)
                ),
            );
        }
        visit::visit_expr_while(self, expr);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        let swap = match expr.op {
            BinOp::Lt(_) => Some((Genre::Compare, "<=")),
            BinOp::Le(_) => Some((Genre::Compare, "<")),
            BinOp::Gt(_) => Some((Genre::Compare, ">=")),
            BinOp::Ge(_) => Some((Genre::Compare, ">")),
            BinOp::Eq(_) => Some((Genre::Compare, "!=")),
            BinOp::Ne(_) => Some((Genre::Compare, "==")),
            BinOp::Add(_) => Some((Genre::Arithmetic, "-")),
            BinOp::Sub(_) => Some((Genre::Arithmetic, "+")),
            BinOp::AddAssign(_) => Some((Genre::Arithmetic, "-=")),
            BinOp::SubAssign(_) => Some((Genre::Arithmetic, "+=")),
            BinOp::And(_) => Some((Genre::Logic, "||")),
            BinOp::Or(_) => Some((Genre::Logic, "&&")),
            _ => None,
        };
        if let Some((genre, with)) = swap {
            let op = self.text(&expr.op).to_owned();
            let description = format!("replace `{op}` with `{with}` in `{}`", self.quote(expr));
            self.replace(genre, &expr.op, with, description);
        }
        visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_unary(&mut self, expr: &'ast syn::ExprUnary) {
        if let UnOp::Not(not) = &expr.op {
            let description = format!("delete `!` in `{}`", self.quote(expr));
            self.replace(Genre::Logic, not, "", description);
        }
        visit::visit_expr_unary(self, expr);
    }
}

/// `#[test]` or `#[cfg(test)]`.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("test")
            || (attr.path().is_ident("cfg")
                && attr
                    .parse_args::<syn::Ident>()
                    .is_ok_and(|ident| ident == "test"))
    })
}

/// The expression of a statement that can be removed whole: `expr;` or `let _ = expr;`.
fn deletable(stmt: &Stmt) -> Option<&Expr> {
    match stmt {
        Stmt::Expr(expr, Some(_)) => Some(expr),
        Stmt::Local(local) if matches!(local.pat, Pat::Wild(_)) => {
            local.init.as_ref().map(|init| &*init.expr)
        }
        _ => None,
    }
}

/// The calls of an expression's chain, outermost first: `a.b().c(x)?` gives `[c/1, b/0]`;
/// a function call gives its name.
fn calls(expr: &Expr) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut at = expr;
    loop {
        match at {
            Expr::MethodCall(call) => {
                found.push((call.method.to_string(), call.args.len()));
                at = &call.receiver;
            }
            Expr::Call(call) => {
                if let Expr::Path(path) = &*call.func
                    && let Some(last) = path.path.segments.last()
                {
                    found.push((last.ident.to_string(), call.args.len()));
                }
                return found;
            }
            Expr::Try(inner) => at = &inner.expr,
            Expr::Await(inner) => at = &inner.base,
            Expr::Paren(inner) => at = &inner.expr,
            Expr::Unsafe(block) => match block.block.stmts.as_slice() {
                [Stmt::Expr(inner, _)] => at = inner,
                _ => return found,
            },
            _ => return found,
        }
    }
}

/// A `let NAME = ...lock()...;` statement: a guard bound to a name.
struct Guard<'a> {
    name: String,
    mutable: bool,
    init: &'a Expr,
}

fn guard_binding(stmt: &Stmt) -> Option<Guard<'_>> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let Pat::Ident(pat) = &local.pat else {
        return None;
    };
    let init = local.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    let locks = calls(&init.expr)
        .iter()
        .any(|(name, args)| *args == 0 && ["lock", "read", "write"].contains(&name.as_str()));
    locks.then(|| Guard {
        name: pat.ident.to_string(),
        mutable: pat.mutability.is_some(),
        init: &init.expr,
    })
}

/// Whether `stmt` names `ident` anywhere.
fn mentions(stmt: &Stmt, ident: &str) -> bool {
    struct Finder<'a> {
        ident: &'a str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_ident(&mut self, ident: &'ast proc_macro2::Ident) {
            self.found |= ident == self.ident;
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            // Macro arguments are tokens, not syntax: look through them too.
            self.found |= names(mac.tokens.clone(), self.ident);
        }
    }
    fn names(tokens: proc_macro2::TokenStream, ident: &str) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(i) => i == ident,
            proc_macro2::TokenTree::Group(group) => names(group.stream(), ident),
            _ => false,
        })
    }
    let mut finder = Finder {
        ident,
        found: false,
    };
    finder.visit_stmt(stmt);
    finder.found
}

/// Whether `block` calls a method with one of `names`.
fn calls_method(block: &syn::Block, names: &[&str]) -> bool {
    struct Finder<'a> {
        names: &'a [&'a str],
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            self.found |= self.names.iter().any(|n| call.method == n);
            visit::visit_expr_method_call(self, call);
        }
    }
    let mut finder = Finder {
        names,
        found: false,
    };
    finder.visit_block(block);
    finder.found
}

/// Plain values of type `ty` a body can be replaced with (none for a type it cannot make). A
/// `Result` (`io::Result`, `nix::Result` ...) gets `Ok` of each value of its first type: a
/// function that does nothing and says it succeeded.
fn defaults(ty: &Type) -> Vec<String> {
    match ty {
        Type::Tuple(tuple) if tuple.elems.is_empty() => vec!["()".to_owned()],
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return Vec::new();
            };
            let plain: &[&str] = match last.ident.to_string().as_str() {
                "bool" => &["true", "false"],
                "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64"
                | "i128" | "isize" => &["0", "1"],
                "f32" | "f64" => &["0.0"],
                "String" => &["String::new()"],
                "Vec" => &["Vec::new()"],
                "Option" => &["None"],
                "Result" => {
                    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                        return Vec::new();
                    };
                    let Some(syn::GenericArgument::Type(inner)) = args.args.first() else {
                        return Vec::new();
                    };
                    return defaults(inner)
                        .into_iter()
                        .map(|value| format!("Ok({value})"))
                        .collect();
                }
                _ => &[],
            };
            plain.iter().map(|v| (*v).to_owned()).collect()
        }
        _ => Vec::new(),
    }
}
