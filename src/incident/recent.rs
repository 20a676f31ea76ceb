//! A bounded set of recently seen ids: the customers of a category, of a complaint run
//! or of open incidents, each with when it was last seen, evicted oldest first.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::source::objects;

/// A set of ids with their last-seen time, evictable oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RecentSet {
    members: BTreeMap<String, (i64, bool)>,
    by_time: BTreeSet<(i64, String)>,
    enterprise: usize,
}

/// The serialized form of one member.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    id: String,
    at: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    enterprise: bool,
}

impl Serialize for RecentSet {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.by_time.len()))?;
        for (at, id) in &self.by_time {
            let enterprise = self.members.get(id).is_some_and(|(_, e)| *e);
            seq.serialize_element(&Member {
                id: id.clone(),
                at: *at,
                enterprise,
            })?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for RecentSet {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let members: Vec<Member> = objects(deserializer)?;
        let mut set = RecentSet::default();
        for member in members {
            set.touch(member.id, member.at, member.enterprise, usize::MAX);
        }
        Ok(set)
    }
}

impl RecentSet {
    /// Records `id` seen at `at`; returns whether it is new. Keeps at most `cap`.
    pub(super) fn touch(&mut self, id: String, at: i64, enterprise: bool, cap: usize) -> bool {
        if let Some((seen, was_enterprise)) = self.members.get_mut(&id) {
            if at > *seen {
                self.by_time.remove(&(*seen, id.clone()));
                *seen = at;
                self.by_time.insert((at, id));
            }
            if enterprise && !*was_enterprise {
                *was_enterprise = true;
                self.enterprise += 1;
            }
            return false;
        }
        self.members.insert(id.clone(), (at, enterprise));
        self.by_time.insert((at, id));
        if enterprise {
            self.enterprise += 1;
        }
        while self.members.len() > cap {
            self.pop_oldest();
        }
        true
    }

    /// Records every member of `other`, as last seen there.
    pub(super) fn absorb(&mut self, other: &RecentSet, cap: usize) {
        for (id, at, enterprise) in other.iter() {
            self.touch(id.clone(), at, enterprise, cap);
        }
    }

    fn pop_oldest(&mut self) {
        if let Some((_, id)) = self.by_time.pop_first() {
            if let Some((_, true)) = self.members.remove(&id) {
                self.enterprise = self.enterprise.saturating_sub(1);
            }
        }
    }

    /// Forgets members last seen before `cutoff`.
    pub(super) fn evict_before(&mut self, cutoff: i64) {
        while self.by_time.first().is_some_and(|(at, _)| *at < cutoff) {
            self.pop_oldest();
        }
    }

    pub(super) fn len(&self) -> usize {
        self.members.len()
    }

    /// How many members are enterprise customers.
    pub(super) fn enterprise_count(&self) -> usize {
        self.enterprise
    }

    pub(super) fn clear(&mut self) {
        *self = RecentSet::default();
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, i64, bool)> {
        self.members.iter().map(|(id, (at, e))| (id, *at, *e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_set_keeps_the_newest_and_counts_enterprise() {
        let mut set = RecentSet::default();
        assert!(set.touch("a".into(), 10, false, 2));
        assert!(set.touch("b".into(), 20, true, 2));
        assert!(!set.touch("a".into(), 30, false, 2));
        assert!(set.touch("c".into(), 40, true, 2));
        // `b` was the oldest: evicted, and its enterprise flag with it.
        assert_eq!(set.len(), 2);
        assert_eq!(set.enterprise, 1);
        set.evict_before(35);
        assert_eq!(set.len(), 1);
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"[{"id":"c","at":40,"enterprise":true}]"#);
        let back: RecentSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
    }
}
