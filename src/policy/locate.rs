//! Finding where a key path sits in a policy file, for error messages: the file is parsed once
//! into a [`Locator`], which then answers for every problem.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Splits `tier[2].parts[0].share` into its steps.
fn segments(key_path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in key_path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some((index, after)) = rest.split_once(']') {
            if let Ok(i) = index.parse() {
                out.push(Segment::Index(i));
            }
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    out
}

/// A policy file parsed once, to locate key paths and byte offsets in it: every problem of a
/// file is located from one parse and one index of its lines, whatever their number.
pub(crate) struct Locator<'a> {
    src: &'a str,
    /// The byte offset where each line begins.
    line_starts: Vec<usize>,
    root: Option<DeValue<'a>>,
    root_span: Range<usize>,
    /// Every key and value with its span and key path, built on first use.
    spans: std::cell::OnceCell<Vec<(Range<usize>, String)>>,
}

impl<'a> Locator<'a> {
    /// Parses `src` (a file that is not valid TOML locates nothing).
    pub fn new(src: &'a str) -> Locator<'a> {
        match DeTable::parse(src) {
            Ok(root) => Locator {
                src,
                line_starts: line_starts(src),
                root_span: root.span(),
                root: Some(DeValue::Table(root.into_inner())),
                spans: std::cell::OnceCell::new(),
            },
            Err(_) => Locator {
                src,
                line_starts: line_starts(src),
                root: None,
                root_span: 0..0,
                spans: std::cell::OnceCell::new(),
            },
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let index = self.line_starts.partition_point(|&start| start <= offset);
        let start = self
            .line_starts
            .get(index.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let column = self.src.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (index.max(1), column)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> Option<&'a str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.src.len(), |&next| next);
        let text = self.src.get(start..end)?;
        let text = text.strip_suffix('\n').unwrap_or(text);
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// The line and column of the deepest part of `key_path` that exists in the file.
    pub fn locate(&self, key_path: &str) -> Option<(usize, usize)> {
        let mut current = self.root.as_ref()?;
        let mut span = self.root_span.clone();
        for segment in segments(key_path) {
            let next = match segment {
                Segment::Key(key) => current.get(key),
                Segment::Index(i) => current.get(i),
            };
            match next {
                Some(value) => {
                    span = value.span();
                    current = value.get_ref();
                }
                None => break,
            }
        }
        Some(self.line_column(span.start))
    }

    /// The key path of the value at `offset` (for TOML reader errors): the innermost key or
    /// value whose span holds the offset, else the last key that begins before it.
    pub fn key_path_at(&self, offset: usize) -> Option<String> {
        let spans = self.spans.get_or_init(|| {
            let mut spans = Vec::new();
            if let Some(DeValue::Table(table)) = &self.root {
                collect(table, "", &mut spans);
            }
            spans
        });
        let holding = spans
            .iter()
            .filter(|(span, _)| span.start <= offset && offset < span.end)
            .min_by_key(|(span, _)| span.end - span.start);
        let before = || {
            spans
                .iter()
                .filter(|(span, _)| span.start <= offset)
                .max_by_key(|(span, _)| span.start)
        };
        holding.or_else(before).map(|(_, path)| path.clone())
    }
}

/// The byte offset where each line of `src` begins.
fn line_starts(src: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&start| start < src.len() || start == 0)
        .collect()
}

/// Every key and every value below `table` with its span and key path.
fn collect(table: &DeTable<'_>, prefix: &str, out: &mut Vec<(Range<usize>, String)>) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push((key.span(), path.clone()));
        collect_value(value.get_ref(), value.span(), &path, out);
    }
}

fn collect_value(
    value: &DeValue<'_>,
    span: Range<usize>,
    path: &str,
    out: &mut Vec<(Range<usize>, String)>,
) {
    match value {
        DeValue::Table(table) => {
            out.push((span, path.to_string()));
            collect(table, path, out);
        }
        DeValue::Array(array) => {
            for (i, item) in array.iter().enumerate() {
                collect_value(item.get_ref(), item.span(), &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push((span, path.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "[policy]\nid = \"x\"\n\n[[tier]]\nid = \"a\"\nparts = [{ funder = \"fiscal\", share = 50 }]\n\n[[tier]]\nid = \"b\"\n";

    #[test]
    fn locates_nested_keys() {
        let locator = Locator::new(SRC);
        assert_eq!(locator.locate("policy.id"), Some((2, 6)));
        assert_eq!(locator.locate("tier[1].id"), Some((9, 6)));
        let (line, _) = locator.locate("tier[0].parts[0].share").expect("found");
        assert_eq!(line, 6);
    }

    #[test]
    fn lines_and_columns_from_one_index() {
        let src = "a = 1\r\n\r\n名 = \"x\"\nlast";
        let locator = Locator::new(src);
        assert_eq!(locator.line_text(1), Some("a = 1"));
        assert_eq!(locator.line_text(2), Some(""));
        assert_eq!(locator.line_text(3), Some("名 = \"x\""));
        assert_eq!(locator.line_text(4), Some("last"));
        assert_eq!(locator.line_text(5), None);
        assert_eq!(locator.line_text(0), None);
        let x = src.find('x').expect("in source");
        assert_eq!(locator.line_column(x), (3, 6), "columns count characters");
        assert_eq!(locator.line_column(0), (1, 1));
        assert_eq!(locator.line_column(src.len()), (4, 5));
        assert_eq!(Locator::new("").line_column(0), (1, 1));
    }

    #[test]
    fn finds_the_key_path_of_an_offset() {
        let offset = SRC.find("50").expect("in source");
        assert_eq!(
            Locator::new(SRC).key_path_at(offset).as_deref(),
            Some("tier[0].parts[0].share")
        );
    }
}
