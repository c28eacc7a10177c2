//! Grouping keys (a township, a village), each name interned once per batch.

use std::collections::HashMap;

/// A grouping key (a township, a village) as a small interned id; see [`Groups`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(u32);

impl GroupId {
    /// The position of the key in its [`Groups`].
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id at `index`. More than four billion distinct groups cannot occur in a roster
    /// that fits in memory; saturate rather than wrap if it ever did.
    pub(crate) fn from_index(index: usize) -> GroupId {
        GroupId(u32::try_from(index).unwrap_or(u32::MAX))
    }
}

/// The names of the groups of a batch, each interned once, so a resident carries a
/// [`GroupId`] rather than a string.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, GroupId>,
}

impl Groups {
    /// No groups yet.
    pub fn new() -> Self {
        Groups::default()
    }

    /// The id of `name`, adding it if it is new. Surrounding whitespace is kept: callers trim.
    pub fn intern(&mut self, name: &str) -> GroupId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = GroupId::from_index(self.names.len());
        self.names.push(name.into());
        self.index.insert(name.into(), id);
        id
    }

    /// The id of `name`, if it has been interned.
    pub fn get(&self, name: &str) -> Option<GroupId> {
        self.index.get(name).copied()
    }

    /// The name of `id`, if it belongs to these groups.
    pub fn name(&self, id: GroupId) -> Option<&str> {
        self.names.get(id.index()).map(|n| &**n)
    }

    /// The number of groups.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every group with its id, in the order they were first interned.
    pub fn iter(&self) -> impl Iterator<Item = (GroupId, &str)> + '_ {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (GroupId::from_index(i), &**n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_intern_each_name_once() {
        let mut groups = Groups::new();
        let a = groups.intern("沙头镇");
        let b = groups.intern("长春镇");
        assert_eq!(groups.intern("沙头镇"), a);
        assert_ne!(a, b);
        assert_eq!(groups.name(b), Some("长春镇"));
        assert_eq!(groups.get("新桥河镇"), None);
        assert_eq!(groups.len(), 2);
    }
}
