//! HTTP route patterns, the one reader of them in Functory.
//!
//! An `http` trigger names a method and a path in API Gateway's HTTP API syntax: literal
//! segments, `{name}` parameters that match one segment, and a last `{name+}` that matches the
//! rest of the path (one or more segments). [`RoutePattern::parse`] reads it; the local gateway
//! routes requests with [`RoutePattern::matches`], the trigger designer and `functory check`
//! find duplicate and overlapping routes with [`route_conflicts`], and the cloud mappings
//! render the segments in their own syntax.

use std::fmt;

/// The methods a route may name (`ANY` matches them all), as HTTP APIs accept them.
pub const HTTP_METHODS: &[&str] = &[
    "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
];

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteSegment {
    Literal(String),
    /// `{name}`: exactly one segment.
    Param(String),
    /// `{name+}`: one or more segments, the rest of the path.
    Greedy(String),
}

/// A parsed `METHOD /path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    method: String,
    path: String,
    segments: Vec<RouteSegment>,
}

/// What is wrong with a route, and which of its two fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RouteError {
    /// `method` or `path`.
    pub field: &'static str,
    pub message: String,
}

/// A request path matched by a route: the parameters (raw, percent-encoded as sent) and how
/// specific the match is (a higher score wins, as API Gateway prefers the most specific route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'r> {
    pub params: Vec<(&'r str, String)>,
    pub score: u32,
}

impl RoutePattern {
    pub fn parse(method: &str, path: &str) -> Result<RoutePattern, RouteError> {
        let upper = method.trim().to_ascii_uppercase();
        if !HTTP_METHODS.contains(&upper.as_str()) {
            return Err(RouteError {
                field: "method",
                message: format!(
                    "unknown HTTP method `{method}`; use one of {}",
                    HTTP_METHODS.join(", ")
                ),
            });
        }
        let bad = |message: String| RouteError {
            field: "path",
            message: format!("HTTP path `{path}`: {message}"),
        };
        let Some(rest) = path.strip_prefix('/') else {
            return Err(bad("must start with `/`".to_owned()));
        };
        let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let mut segments = Vec::with_capacity(parts.len());
        let mut names: Vec<&str> = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (inner, false),
                };
                if name.is_empty() {
                    return Err(bad("a path parameter needs a name, like `{id}`".to_owned()));
                }
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(format!(
                        "parameter name `{name}` may hold only letters, digits and `_`"
                    )));
                }
                if names.contains(&name) {
                    return Err(bad(format!("parameter `{{{name}}}` appears twice")));
                }
                names.push(name);
                if greedy {
                    if i + 1 != parts.len() {
                        return Err(bad(format!(
                            "the greedy `{{{name}+}}` parameter must be the last segment"
                        )));
                    }
                    segments.push(RouteSegment::Greedy(name.to_owned()));
                } else {
                    segments.push(RouteSegment::Param(name.to_owned()));
                }
            } else if part.contains('{') || part.contains('}') {
                return Err(bad(format!(
                    "`{part}`: a parameter must be a whole segment, like `{{id}}`"
                )));
            } else if let Some(name) = part.strip_prefix(':') {
                return Err(bad(format!(
                    "`{part}`: path parameters are written `{{{name}}}`, not `:{name}`"
                )));
            } else {
                segments.push(RouteSegment::Literal((*part).to_owned()));
            }
        }
        Ok(RoutePattern {
            method: upper,
            path: path.to_owned(),
            segments,
        })
    }

    /// Upper case; `ANY` for every method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as written.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn segments(&self) -> &[RouteSegment] {
        &self.segments
    }

    /// The path normalised (`/a/{id}`, no empty segments): what a route key and an ARN hold.
    pub fn normalized_path(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                RouteSegment::Literal(text) => out.push_str(text),
                RouteSegment::Param(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
                RouteSegment::Greedy(name) => {
                    out.push('{');
                    out.push_str(name);
                    out.push_str("+}");
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// API Gateway's route key: `GET /users/{id}`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.normalized_path())
    }

    /// Whether a request (`method` upper case, `parts` the path's non-empty segments) takes
    /// this route, with its parameters and specificity.
    pub fn matches<'r>(&'r self, method: &str, parts: &[&str]) -> Option<RouteMatch<'r>> {
        let method_score = if self.method == method {
            1
        } else if self.method == "ANY" {
            0
        } else {
            return None;
        };
        let mut params = Vec::new();
        let mut score = 0u32;
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                RouteSegment::Literal(text) => {
                    if parts.get(i) != Some(&text.as_str()) {
                        return None;
                    }
                    score += 100;
                }
                RouteSegment::Param(name) => {
                    let part = parts.get(i)?;
                    params.push((name.as_str(), (*part).to_owned()));
                    score += 10;
                }
                RouteSegment::Greedy(name) => {
                    if parts.len() <= i {
                        return None;
                    }
                    params.push((name.as_str(), parts[i..].join("/")));
                    return Some(RouteMatch {
                        params,
                        score: score * 2 + method_score,
                    });
                }
            }
        }
        (parts.len() == self.segments.len()).then_some(RouteMatch {
            params,
            score: score * 2 + 1000 + method_score,
        })
    }

    /// Whether some request would match both routes (methods meet and paths overlap).
    pub fn overlaps(&self, other: &RoutePattern) -> bool {
        let methods_meet =
            self.method == other.method || self.method == "ANY" || other.method == "ANY";
        methods_meet && paths_overlap(&self.segments, &other.segments)
    }

    /// The same path shape, parameter names aside, for the same method (or `ANY` beside a
    /// method): a cloud refuses the second of two same routes, and `ANY` beside `GET` on one
    /// path leaves which function answers to the method, which is never what was meant.
    pub fn duplicates(&self, other: &RoutePattern) -> bool {
        (self.method == other.method || self.method == "ANY" || other.method == "ANY")
            && self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| match (a, b) {
                    (RouteSegment::Literal(a), RouteSegment::Literal(b)) => a == b,
                    (RouteSegment::Param(_), RouteSegment::Param(_))
                    | (RouteSegment::Greedy(_), RouteSegment::Greedy(_)) => true,
                    _ => false,
                })
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

fn paths_overlap(a: &[RouteSegment], b: &[RouteSegment]) -> bool {
    match (a.first(), b.first()) {
        (None, None) => true,
        (Some(RouteSegment::Greedy(_)), _) => !b.is_empty(),
        (_, Some(RouteSegment::Greedy(_))) => !a.is_empty(),
        (None, _) | (_, None) => false,
        (Some(x), Some(y)) => {
            let same = match (x, y) {
                (RouteSegment::Literal(x), RouteSegment::Literal(y)) => x == y,
                _ => true,
            };
            same && paths_overlap(&a[1..], &b[1..])
        }
    }
}

/// How two routes of a project meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteConflictKind {
    /// The same method and path shape: an error (the cloud refuses the second).
    Duplicate,
    /// Some requests match both; the more specific route wins: a warning.
    Overlap,
}

/// Two routes that meet: indices into the slice given to [`route_conflicts`], `first < second`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteConflict {
    pub first: usize,
    pub second: usize,
    pub kind: RouteConflictKind,
}

/// Every pair of routes that meet. Routes are grouped by their first literal segment, so a
/// project of many routes under different prefixes compares only routes that could meet.
pub fn route_conflicts(routes: &[&RoutePattern]) -> Vec<RouteConflict> {
    use std::collections::BTreeMap;
    // Routes whose first segment is a literal meet only routes with the same literal or a
    // parameter there; the rest (parameter, greedy or empty first) meet anything.
    let mut by_first: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut open: Vec<usize> = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        match route.segments.first() {
            Some(RouteSegment::Literal(text)) => by_first.entry(text).or_default().push(i),
            _ => open.push(i),
        }
    }
    let mut conflicts = Vec::new();
    let mut compare = |i: usize, j: usize| {
        let (first, second) = (i.min(j), i.max(j));
        let (a, b) = (routes[first], routes[second]);
        if !a.overlaps(b) {
            return;
        }
        let kind = if a.duplicates(b) {
            RouteConflictKind::Duplicate
        } else {
            RouteConflictKind::Overlap
        };
        conflicts.push(RouteConflict {
            first,
            second,
            kind,
        });
    };
    for group in by_first.values() {
        for (n, &i) in group.iter().enumerate() {
            for &j in &group[n + 1..] {
                compare(i, j);
            }
        }
    }
    for (n, &i) in open.iter().enumerate() {
        for &j in &open[n + 1..] {
            compare(i, j);
        }
        for group in by_first.values() {
            for &j in group {
                compare(i, j);
            }
        }
    }
    conflicts.sort_by_key(|c| (c.first, c.second));
    conflicts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> RoutePattern {
        RoutePattern::parse(method, path).unwrap()
    }

    fn params(m: &RouteMatch<'_>) -> Vec<(String, String)> {
        m.params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn parameters_and_greedy_paths_match_like_api_gateway() {
        let users = route("GET", "/users/{id}");
        let m = users.matches("GET", &["users", "42"]).unwrap();
        assert_eq!(params(&m), [("id".to_owned(), "42".to_owned())]);
        assert!(users.matches("POST", &["users", "42"]).is_none());
        assert!(users.matches("GET", &["users"]).is_none());
        assert!(users.matches("GET", &["users", "42", "x"]).is_none());

        let files = route("ANY", "/files/{proxy+}");
        let m = files.matches("DELETE", &["files", "a", "b.txt"]).unwrap();
        assert_eq!(params(&m), [("proxy".to_owned(), "a/b.txt".to_owned())]);
        assert!(files.matches("GET", &["files"]).is_none());

        // The literal route is more specific than the parameter, the exact method than ANY.
        let me = route("GET", "/users/me");
        let any = route("ANY", "/users/me");
        let score = |r: &RoutePattern| r.matches("GET", &["users", "me"]).unwrap().score;
        assert!(score(&me) > score(&users));
        assert!(score(&me) > score(&any));
        assert!(score(&users) > score(&route("GET", "/users/{rest+}")));
    }

    #[test]
    fn bad_routes_name_the_field_and_the_fix() {
        for (method, path, field, needle) in [
            ("FETCH", "/x", "method", "unknown HTTP method"),
            ("GET", "x", "path", "start with `/`"),
            ("GET", "/a/{}", "path", "needs a name"),
            ("GET", "/a/{rest+}/b", "path", "last segment"),
            ("GET", "/a/x{id}", "path", "whole segment"),
            ("GET", "/a/{id}/{id}", "path", "twice"),
            ("GET", "/users/:id", "path", "written `{id}`"),
        ] {
            let error = RoutePattern::parse(method, path).unwrap_err();
            assert_eq!(error.field, field, "{method} {path}");
            assert!(error.message.contains(needle), "{method} {path}: {error}");
        }
        assert_eq!(route("get", "/").method(), "GET");
        assert_eq!(route("GET", "//a//{b}/").route_key(), "GET /a/{b}");
        assert_eq!(route("ANY", "/").route_key(), "ANY /");
    }

    #[test]
    fn duplicates_are_errors_and_overlaps_warnings() {
        let routes = [
            route("GET", "/users/{id}"),
            route("GET", "/users/{user}"),
            route("ANY", "/users/me"),
            route("POST", "/orders"),
            route("ANY", "/{proxy+}"),
            route("GET", "/health"),
            route("ANY", "/health"),
        ];
        let refs: Vec<&RoutePattern> = routes.iter().collect();
        let conflicts = route_conflicts(&refs);
        let found: Vec<(usize, usize, RouteConflictKind)> = conflicts
            .iter()
            .map(|c| (c.first, c.second, c.kind))
            .collect();
        use RouteConflictKind::*;
        assert_eq!(
            found,
            [
                (0, 1, Duplicate),
                (0, 2, Overlap),
                (0, 4, Overlap),
                (1, 2, Overlap),
                (1, 4, Overlap),
                (2, 4, Overlap),
                (3, 4, Overlap),
                (4, 5, Overlap),
                (4, 6, Overlap),
                (5, 6, Duplicate),
            ]
        );
        // Grouping by first segment finds exactly what comparing every pair finds.
        let mut every_pair = Vec::new();
        for i in 0..routes.len() {
            for j in i + 1..routes.len() {
                if routes[i].overlaps(&routes[j]) {
                    every_pair.push((i, j));
                }
            }
        }
        let grouped: Vec<(usize, usize)> = conflicts.iter().map(|c| (c.first, c.second)).collect();
        assert_eq!(grouped, every_pair);
    }
}
