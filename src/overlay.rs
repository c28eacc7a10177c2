//! What-if overlays: a small TOML file that changes a base policy and yields a new, validated
//! one.
//!
//! An overlay names the policy it is written for and the id of the policy it makes, then gives
//! any table of the policy file with only the keys it changes:
//!
//! ```toml
//! [overlay]
//! id = "hunan-2022-city"          # the new policy's id
//! base = "hunan-2022"             # the policy it applies to (checked)
//! title = "a city that extends collection to 2022-02-28 and subsidizes 困境儿童"
//!
//! [standards.personal]            # tables merge key by key
//! amount = 350
//! cite = "what-if: a city standard of 350"
//!
//! [[extension]]                   # arrays of tables merge by `id`:
//! id = "extension"                #   an existing id changes that entry (keys given only),
//! in_force = true
//!
//! [[tier]]                        #   a new id adds an entry,
//! id = "distressed_child"
//! name = "困境儿童"
//! categories = ["distressed_child"]
//! parts = [{ funder = "fiscal", share = 50 }]
//! cite = "what-if"
//!
//! [[tier]]                        #   and `drop = true` removes one.
//! id = "returned_to_poverty"
//! drop = true
//!
//! [[rule]]                        # a new rule goes last unless placed with `before`/`after`
//! id = "extension"                # (rules are tried in order: the first that matches decides)
//! after = "window"
//! # ...
//! ```
//!
//! The result is checked like any policy file. An overlay that would make the policy invalid
//! is an [`OverlayError`] naming the overlay's key (`tier[0].parts[0].share`) and what would
//! be accepted.
//!
//! ```
//! use urrbmi::overlay::{Overlay, OverlayError};
//! use urrbmi::Policy;
//!
//! let base = Policy::builtin("hunan-2022")?;
//! let overlay = Overlay::from_path("overlays/hunan-2022-city.toml")?;
//! let city = overlay.apply(&base)?;
//! assert_eq!(city.id(), "hunan-2022-city");
//! assert!(city.spec().extensions[0].in_force);
//!
//! let bad = Overlay::from_toml_str(r#"
//!     [overlay]
//!     id = "too-generous"
//!     base = "hunan-2022"
//!     title = "pays more than the standard"
//!     [[tier]]
//!     id = "subsistence_allowance"
//!     parts = [{ funder = "medical_assistance", share = 150 }]
//! "#)?;
//! let err = bad.apply(&base).unwrap_err();
//! assert_eq!(err.key(), Some("tier[0].parts[0].share"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use crate::error::{Diagnostic, Location, PolicyError, Severity, shown};
use crate::policy::Policy;
use crate::policy::schema::{
    Conventions, Coverage, Extension, Header, Incentive, LocalCategory, Newborn, Period,
    PolicySpec, Standards, StartRule, SubsidyRules, SubsidyTier, WaitingPeriodTable, Window,
};

/// The tables of a policy file merged key by key (an array inside one, such as
/// `waiting_period.exempt`, is replaced whole).
const TABLES: [&str; 9] = [
    "policy",
    "conventions",
    "standards",
    "coverage",
    "window",
    "newborn",
    "subsidy",
    "waiting_period",
    "incentive",
];

/// The arrays of tables of a policy file, merged by `id`.
const ARRAYS: [&str; 8] = [
    "extension",
    "period",
    "category",
    "special",
    "funder",
    "refusal_code",
    "tier",
    "rule",
];

/// Keys an overlay entry of an array may carry besides the entry's own.
const ENTRY_KEYS: [&str; 3] = ["drop", "before", "after"];

/// `[overlay]`: what the overlay is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayHeader {
    /// The id of the policy the overlay makes (lowercase letters, digits and `-`).
    pub id: String,
    /// The id of the policy the overlay is written for.
    pub base: String,
    /// What the overlay does, in a line.
    pub title: String,
    /// Where its changes come from (a local notice, or "hypothetical").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// An overlay that cannot be read or applied.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum OverlayError {
    /// The file could not be read.
    #[error("cannot read overlay {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::sync::Arc<std::io::Error>,
    },
    /// The overlay is not valid TOML, is malformed (an entry without an id, a drop of an id the
    /// base does not have, an overlay for another policy, a key no policy file has), or makes a
    /// policy that breaks the policy format: each problem located by the overlay's own key (or,
    /// for an entry of the base the overlay left as it was, by that entry, with a note).
    #[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n\n"))]
    Invalid {
        /// The problems, at least one.
        problems: Vec<Diagnostic>,
    },
}

impl OverlayError {
    /// The problems (empty for an I/O error).
    pub fn problems(&self) -> &[Diagnostic] {
        match self {
            OverlayError::Invalid { problems } => problems,
            OverlayError::Io { .. } => &[],
        }
    }

    /// The key path of the first problem, if any.
    pub fn key(&self) -> Option<&str> {
        self.problems().first().and_then(Diagnostic::key_path)
    }
}

/// A problem found in an overlay, before it is located in the overlay's text.
#[derive(Debug, Clone)]
struct Found {
    key: String,
    problem: String,
    expected: String,
    note: Option<String>,
}

fn invalid(
    key: impl Into<String>,
    problem: impl Into<String>,
    expected: impl Into<String>,
) -> Found {
    Found {
        key: key.into(),
        problem: problem.into(),
        expected: expected.into(),
        note: None,
    }
}

/// A changed table or entry that no longer fits the policy format.
fn shape(key: impl Into<String>, message: impl Into<String>) -> Found {
    invalid(
        key,
        message,
        "the policy file format (see the README's \"Policy files\")",
    )
}

/// The problems, located in the overlay's text.
fn located(text: &str, file: Option<&Path>, found: Vec<Found>) -> OverlayError {
    let locator = crate::policy::Locator::new(text);
    OverlayError::Invalid {
        problems: found
            .into_iter()
            .map(|f| {
                let (line, column) = if f.note.is_some() {
                    (None, None)
                } else {
                    locator
                        .locate(&f.key)
                        .map_or((None, None), |(l, c)| (Some(l), Some(c)))
                };
                Diagnostic {
                    note: f.note,
                    ..Diagnostic::new(
                        Severity::Error,
                        Location {
                            file: file.map(Path::to_path_buf),
                            line,
                            column,
                            key_path: Some(f.key),
                        },
                        f.problem,
                        f.expected,
                        line.and_then(|l| locator.line_text(l)),
                    )
                }
            })
            .collect(),
    }
}

/// A what-if overlay: see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    header: OverlayHeader,
    changes: Table,
    source: Option<PathBuf>,
    /// The overlay's text, to locate problems in it.
    text: String,
}

/// Where each entry of an array of the resulting policy came from.
#[derive(Debug, Clone, Default)]
struct Origins {
    /// Per array name: for each resulting index, the overlay's index of the entry that added
    /// or changed it (`None`: unchanged from the base).
    arrays: Vec<(&'static str, Vec<Option<usize>>)>,
}

impl Overlay {
    /// Reads an overlay from TOML text.
    ///
    /// # Errors
    ///
    /// [`OverlayError::Invalid`] for text that is not TOML, an overlay without its `[overlay]`
    /// table, or a key no policy file has; each problem is located in the text.
    pub fn from_toml_str(text: &str) -> Result<Overlay, OverlayError> {
        Overlay::read(text, None)
    }

    fn read(text: &str, file: Option<&Path>) -> Result<Overlay, OverlayError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Overlay::parse(text).map_err(|found| located(text, file, found))
    }

    fn parse(text: &str) -> Result<Overlay, Vec<Found>> {
        let mut table: Table = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .and_then(|span| crate::policy::Locator::new(text).key_path_at(span.start))
                .unwrap_or_default();
            vec![invalid(key, e.message().to_string(), "valid TOML")]
        })?;
        let header = match table.remove("overlay") {
            None => {
                return Err(vec![invalid(
                    "overlay",
                    "the `[overlay]` table is missing",
                    "`[overlay]` with `id` (the new policy's id), `base` (the policy it applies to) and `title`",
                )]);
            }
            Some(value) => OverlayHeader::deserialize(value)
                .map_err(|e| vec![shape("overlay", e.message().to_string())])?,
        };
        let mut accepted: Vec<&str> = std::iter::once("overlay")
            .chain(TABLES)
            .chain(ARRAYS)
            .collect();
        accepted.sort_unstable();
        let unknown: Vec<Found> = table
            .keys()
            .filter(|key| !TABLES.contains(&key.as_str()) && !ARRAYS.contains(&key.as_str()))
            .map(|key| {
                let suggestion = crate::suggest::closest(key, accepted.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                invalid(
                    key.clone(),
                    format!(
                        "overlay key `{}` is not part of a policy file{suggestion}",
                        crate::error::shown(key)
                    ),
                    format!("one of: {}", accepted.join(", ")),
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(unknown);
        }
        Ok(Overlay {
            header,
            changes: table,
            source: None,
            text: text.to_string(),
        })
    }

    /// Reads an overlay file.
    ///
    /// # Errors
    ///
    /// [`OverlayError::Io`] when the file cannot be read, else as [`Overlay::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Overlay, OverlayError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| OverlayError::Io {
            path: path.to_path_buf(),
            source: std::sync::Arc::new(e),
        })?;
        let mut overlay = Overlay::read(&text, Some(path))?;
        overlay.source = Some(path.to_path_buf());
        Ok(overlay)
    }

    /// `[overlay]`: id, base and title.
    pub fn header(&self) -> &OverlayHeader {
        &self.header
    }

    /// The file the overlay was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// Applies the overlay to `base` and validates the result.
    ///
    /// # Errors
    ///
    /// [`OverlayError::Invalid`] when the overlay is for another policy, an entry is malformed,
    /// a changed table no longer fits the format, or the policy it makes breaks a rule of the
    /// format: every problem of the resulting policy, each located by the overlay's key.
    pub fn apply(&self, base: &Policy) -> Result<Policy, OverlayError> {
        self.merge(base)
            .map_err(|found| located(&self.text, self.source.as_deref(), found))
    }

    fn merge(&self, base: &Policy) -> Result<Policy, Vec<Found>> {
        if base.id() != self.header.base {
            return Err(vec![invalid(
                "overlay.base",
                format!(
                    "the overlay is written for `{}` but is applied to `{}`",
                    self.header.base,
                    base.id()
                ),
                format!(
                    "apply it to `{}`, or set `base = \"{}\"` if it fits",
                    self.header.base,
                    base.id()
                ),
            )]);
        }
        let mut merged = match Value::try_from(base.spec()) {
            Ok(Value::Table(table)) => table,
            _ => {
                return Err(vec![invalid(
                    "overlay.base",
                    "the base policy cannot be written as TOML",
                    "a base policy loaded from a policy file",
                )]);
            }
        };
        let mut origins = Origins::default();
        for (key, change) in &self.changes {
            if TABLES.contains(&key.as_str()) {
                let Value::Table(change) = change else {
                    return Err(vec![invalid(
                        key.clone(),
                        "is not a table",
                        format!("`[{key}]` with the keys to change"),
                    )]);
                };
                if key == "policy" && change.contains_key("id") {
                    return Err(vec![invalid(
                        "policy.id",
                        "an overlay does not set the policy id here",
                        "the new id in `[overlay] id`",
                    )]);
                }
                let target = merged
                    .entry(key.clone())
                    .or_insert_with(|| Value::Table(Table::new()));
                merge_value(target, change);
                check_table(key, target).map_err(|f| vec![f])?;
            } else if let Some(name) = ARRAYS.iter().find(|a| **a == key.as_str()) {
                let Value::Array(entries) = change else {
                    return Err(vec![invalid(
                        key.clone(),
                        "is not an array of tables",
                        format!("`[[{key}]]` entries, each with an `id`"),
                    )]);
                };
                let target = merged
                    .entry(key.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                let Value::Array(existing) = target else {
                    return Err(vec![invalid(
                        key.clone(),
                        "is not an array in the base",
                        "an array of tables",
                    )]);
                };
                let order = merge_array(name, existing, entries).map_err(|f| vec![f])?;
                origins.arrays.push((name, order));
            }
        }
        if let Some(Value::Table(policy)) = merged.get_mut("policy") {
            policy.insert("id".into(), Value::String(self.header.id.clone()));
        }
        // Each entry of every array the overlay touched must still fit the format.
        for (name, order) in &origins.arrays {
            if let Some(Value::Array(entries)) = merged.get(*name) {
                for (index, entry) in entries.iter().enumerate() {
                    let Some(Some(from)) = order.get(index) else {
                        continue;
                    };
                    check_entry(name, *from, entry).map_err(|f| vec![f])?;
                }
            }
        }
        let spec = PolicySpec::deserialize(Value::Table(merged))
            .map_err(|e| vec![shape("overlay", e.message().to_string())])?;
        if !spec
            .policy
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            || spec.policy.id.is_empty()
        {
            return Err(vec![invalid(
                "overlay.id",
                format!("`{}` is not a policy id", spec.policy.id),
                "lowercase ASCII letters, digits and `-`, e.g. \"hunan-2022-city\"",
            )]);
        }
        Policy::from_spec(spec).map_err(|e| relocate(&e, &origins))
    }
}

/// Merges `change` into `target`: tables key by key, anything else replaced.
fn merge_value(target: &mut Value, change: &Table) {
    match target {
        Value::Table(table) => {
            for (key, value) in change {
                match (table.get_mut(key), value) {
                    (Some(existing @ Value::Table(_)), Value::Table(inner)) => {
                        merge_value(existing, inner);
                    }
                    _ => {
                        table.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        other => *other = Value::Table(change.clone()),
    }
}

/// Merges the overlay's entries of array `name` into `existing`. Returns, for each resulting
/// entry, the overlay index that added or changed it.
///
/// The entries are kept as a list linked by index with an index from id to entry, so each
/// change, addition, move or drop costs the same however long the array: merging N entries
/// into a policy of M is O(N + M).
fn merge_array(
    name: &'static str,
    existing: &mut Vec<Value>,
    entries: &[Value],
) -> Result<Vec<Option<usize>>, Found> {
    let mut list = Linked::new(std::mem::take(existing));
    for (i, entry) in entries.iter().enumerate() {
        let key = format!("{name}[{i}]");
        let Value::Table(entry) = entry else {
            return Err(invalid(
                key,
                "is not a table",
                format!("`[[{name}]]` with an `id`"),
            ));
        };
        let Some(id) = entry.get("id").and_then(Value::as_str) else {
            return Err(invalid(
                format!("{key}.id"),
                "the entry has no `id`",
                format!("the id of the `{name}` to change, add or drop"),
            ));
        };
        let at = list.find(id);
        let drop = match entry.get("drop") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => {
                return Err(invalid(
                    format!("{key}.drop"),
                    "is not true or false",
                    "`drop = true`",
                ));
            }
        };
        if drop {
            if entry.keys().any(|k| k != "id" && k != "drop") {
                return Err(invalid(
                    format!("{key}.drop"),
                    "an entry that drops also changes keys",
                    "`id` and `drop = true` only",
                ));
            }
            let Some(at) = at else {
                return Err(invalid(
                    format!("{key}.id"),
                    format!("there is no {name} `{}` to drop", shown(id)),
                    format!("one of: {}", list.ids(None)),
                ));
            };
            list.unlink(at);
            list.forget(id);
            continue;
        }
        let place = match (entry.get("before"), entry.get("after")) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    format!("{key}.after"),
                    "both `before` and `after` are given",
                    "one of them",
                ));
            }
            (Some(v), None) | (None, Some(v)) => {
                let after = entry.contains_key("after");
                let which = if after { "after" } else { "before" };
                let Some(other) = v.as_str() else {
                    return Err(invalid(
                        format!("{key}.{which}"),
                        "is not an id",
                        format!("the id of another {name}"),
                    ));
                };
                let Some(target) = list.find(other).filter(|_| other != id) else {
                    return Err(invalid(
                        format!("{key}.{which}"),
                        format!("there is no other {name} `{}`", shown(other)),
                        format!("one of: {}", list.ids(Some(id))),
                    ));
                };
                Some(if after {
                    Place::After(target)
                } else {
                    Place::Before(target)
                })
            }
            (None, None) => None,
        };
        let fields: Table = entry
            .iter()
            .filter(|(k, _)| !ENTRY_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let slot = match at {
            Some(at) => {
                list.change(at, &fields, i);
                if place.is_some() {
                    list.unlink(at);
                }
                at
            }
            None => {
                let slot = list.push(Value::Table(fields), i);
                list.remember(id, slot);
                slot
            }
        };
        match place {
            Some(place) => list.link(slot, place),
            None if at.is_none() => list.link(slot, Place::End),
            None => {}
        }
    }
    let (values, origin) = list.into_order();
    *existing = values;
    Ok(origin)
}

/// Where an entry goes in a [`Linked`] list.
#[derive(Debug, Clone, Copy)]
enum Place {
    Before(usize),
    After(usize),
    End,
}

/// The entries of an array as a doubly linked list over a vector, with an index by id.
struct Linked {
    nodes: Vec<Node>,
    head: Option<usize>,
    tail: Option<usize>,
    by_id: std::collections::HashMap<String, usize>,
}

/// An entry, the overlay index that added or changed it, and its neighbours.
struct Node {
    value: Option<Value>,
    origin: Option<usize>,
    prev: Option<usize>,
    next: Option<usize>,
}

impl Linked {
    fn new(values: Vec<Value>) -> Linked {
        let n = values.len();
        let mut by_id = std::collections::HashMap::with_capacity(n);
        for (i, v) in values.iter().enumerate() {
            if let Some(id) = v.get("id").and_then(Value::as_str) {
                by_id.entry(id.to_string()).or_insert(i);
            }
        }
        Linked {
            nodes: values
                .into_iter()
                .enumerate()
                .map(|(i, value)| Node {
                    value: Some(value),
                    origin: None,
                    prev: i.checked_sub(1),
                    next: Some(i + 1).filter(|&j| j < n),
                })
                .collect(),
            head: (n > 0).then_some(0),
            tail: n.checked_sub(1),
            by_id,
        }
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    fn remember(&mut self, id: &str, slot: usize) {
        self.by_id.insert(id.to_string(), slot);
    }

    fn forget(&mut self, id: &str) {
        self.by_id.remove(id);
    }

    /// A new entry, not yet linked.
    fn push(&mut self, value: Value, origin: usize) -> usize {
        self.nodes.push(Node {
            value: Some(value),
            origin: Some(origin),
            prev: None,
            next: None,
        });
        self.nodes.len() - 1
    }

    fn change(&mut self, slot: usize, fields: &Table, origin: usize) {
        if let Some(node) = self.nodes.get_mut(slot) {
            if let Some(value) = &mut node.value {
                merge_value(value, fields);
            }
            node.origin = Some(origin);
        }
    }

    fn neighbours(&self, slot: usize) -> (Option<usize>, Option<usize>) {
        self.nodes
            .get(slot)
            .map_or((None, None), |n| (n.prev, n.next))
    }

    /// Makes `to` follow `at` (`at = None`: `to` is the head).
    fn set_next(&mut self, at: Option<usize>, to: Option<usize>) {
        match at.and_then(|a| self.nodes.get_mut(a)) {
            Some(node) => node.next = to,
            None => self.head = to,
        }
    }

    /// Makes `to` precede `at` (`at = None`: `to` is the tail).
    fn set_prev(&mut self, at: Option<usize>, to: Option<usize>) {
        match at.and_then(|a| self.nodes.get_mut(a)) {
            Some(node) => node.prev = to,
            None => self.tail = to,
        }
    }

    fn unlink(&mut self, slot: usize) {
        let (before, after) = self.neighbours(slot);
        self.set_next(before, after);
        self.set_prev(after, before);
        if let Some(node) = self.nodes.get_mut(slot) {
            node.prev = None;
            node.next = None;
        }
    }

    fn link(&mut self, slot: usize, place: Place) {
        let (before, after) = match place {
            Place::Before(target) => (self.neighbours(target).0, Some(target)),
            Place::After(target) => (Some(target), self.neighbours(target).1),
            Place::End => (self.tail, None),
        };
        if let Some(node) = self.nodes.get_mut(slot) {
            node.prev = before;
            node.next = after;
        }
        self.set_next(before, Some(slot));
        self.set_prev(after, Some(slot));
    }

    fn order(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.head, |&slot| self.neighbours(slot).1)
    }

    /// The ids in order, but `except`, for a message (the first twenty, then how many more).
    fn ids(&self, except: Option<&str>) -> String {
        let ids: Vec<&str> = self
            .order()
            .filter_map(|slot| self.nodes.get(slot)?.value.as_ref()?.get("id")?.as_str())
            .filter(|id| Some(*id) != except)
            .collect();
        let mut text = ids.iter().take(20).copied().collect::<Vec<_>>().join(", ");
        if ids.len() > 20 {
            text.push_str(&format!(" and {} more", ids.len() - 20));
        }
        text
    }

    /// The entries in list order, with their origins.
    fn into_order(mut self) -> (Vec<Value>, Vec<Option<usize>>) {
        let order: Vec<usize> = self.order().collect();
        order
            .into_iter()
            .filter_map(|slot| {
                let node = self.nodes.get_mut(slot)?;
                Some((node.value.take()?, node.origin))
            })
            .unzip()
    }
}

fn check_table(key: &str, value: &Value) -> Result<(), Found> {
    let v = value.clone();
    match key {
        "policy" => Header::deserialize(v).map(drop),
        "conventions" => Conventions::deserialize(v).map(drop),
        "standards" => Standards::deserialize(v).map(drop),
        "coverage" => Coverage::deserialize(v).map(drop),
        "window" => Window::deserialize(v).map(drop),
        "newborn" => Newborn::deserialize(v).map(drop),
        "subsidy" => SubsidyRules::deserialize(v).map(drop),
        "waiting_period" => WaitingPeriodTable::deserialize(v).map(drop),
        "incentive" => Incentive::deserialize(v).map(drop),
        _ => Ok(()),
    }
    .map_err(|e: toml::de::Error| shape(key, e.message().to_string()))
}

fn check_entry(name: &str, index: usize, value: &Value) -> Result<(), Found> {
    let v = value.clone();
    match name {
        "extension" => Extension::deserialize(v).map(drop),
        "period" => Period::deserialize(v).map(drop),
        "category" | "special" | "funder" | "refusal_code" => {
            LocalCategory::deserialize(v).map(drop)
        }
        "tier" => SubsidyTier::deserialize(v).map(drop),
        "rule" => StartRule::deserialize(v).map(drop),
        _ => Ok(()),
    }
    .map_err(|e: toml::de::Error| shape(format!("{name}[{index}]"), e.message().to_string()))
}

/// The problems of the resulting policy, each with its key moved to the overlay's entry when
/// the overlay added or changed it, or noted as an entry of the base the overlay left as it was.
fn relocate(error: &PolicyError, origins: &Origins) -> Vec<Found> {
    let problems = error.problems();
    if problems.is_empty() {
        return vec![invalid(
            "overlay",
            error.to_string(),
            "a policy the overlay can make",
        )];
    }
    problems
        .iter()
        .map(|d| {
            let key = d.key_path().unwrap_or_default().to_string();
            let found = |key: String, from_base: bool| Found {
                key,
                problem: d.message.clone(),
                expected: d.expected.clone(),
                note: from_base
                    .then(|| "an entry of the base policy the overlay left as it was".to_string()),
            };
            for (name, order) in &origins.arrays {
                let Some(rest) = key.strip_prefix(name).and_then(|r| r.strip_prefix('[')) else {
                    continue;
                };
                let Some((index, tail)) = rest.split_once(']') else {
                    continue;
                };
                let Ok(index) = index.parse::<usize>() else {
                    continue;
                };
                return match order.get(index) {
                    Some(Some(from)) => found(format!("{name}[{from}]{tail}"), false),
                    _ => found(key.clone(), true),
                };
            }
            let from_base = ARRAYS.iter().any(|a| key.starts_with(a));
            found(key, from_base)
        })
        .collect()
}
