//! Finding where a path sits in a YAML text, for errors found after parsing.
//!
//! Policies are parsed into a tree first (see [`tree`](super::tree)), which keeps no
//! positions, and some errors (a threshold out of range, a pattern that does not
//! compile) are found later still, from the model. This walker follows block-style
//! mappings and sequences (the style policy files are written in) by indentation:
//! `routing.rules[2].queue` is the `queue:` key of the third `- ` item under
//! `rules:` under `routing:`. Where it cannot follow a step (flow style, `{a: 1}`), it
//! points at the deepest enclosing node it found, which contains the error; with
//! nothing found, the caller reports the error without a location rather than a wrong
//! one.

use super::tree::Step;
use crate::error::Location;

/// The location of the value of `path` (mapping keys from the root), when found.
pub(crate) fn locate(text: &str, path: &[&str]) -> Option<Location> {
    let steps: Vec<Step> = path
        .iter()
        .map(|key| Step::Key((*key).to_string()))
        .collect();
    locate_steps(text, &steps)
}

/// The location of the value at `path`, or of the deepest enclosing node found.
pub(crate) fn locate_steps(text: &str, path: &[Step]) -> Option<Location> {
    let lines = Line::split(text);
    let walk = walk(&lines, path);
    walk.found.map(|at| Location::of_offset(text, at))
}

/// The location of a key of the mapping at `path`: its `occurrence`th `key:` (from 0),
/// for an error about the key itself (an unknown or a repeated field). Where the key
/// is not found, the location of the mapping, as [`locate_steps`] finds it.
pub(crate) fn locate_key(
    text: &str,
    path: &[Step],
    key: &str,
    occurrence: usize,
) -> Option<Location> {
    let lines = Line::split(text);
    let walk = walk(&lines, path);
    let key_at = walk
        .reached
        .and_then(|mapping| find_key(&lines, mapping, key, occurrence))
        .map(|found| found.key_at);
    key_at
        .or(walk.found)
        .map(|at| Location::of_offset(text, at))
}

/// How far a path was followed.
struct Walk {
    /// The node at the end of the path, when every step was found.
    reached: Option<Node>,
    /// The offset of the value of the last step found.
    found: Option<usize>,
}

fn walk(lines: &[Line], path: &[Step]) -> Walk {
    let mut node = Node::Root;
    let mut found = None;
    for step in path {
        let next = match step {
            Step::Key(key) => {
                find_key(lines, node, key, 0).map(|found| (found.node, found.value_at))
            }
            Step::Index(index) => find_item(lines, node, *index),
        };
        let Some((next, at)) = next else {
            return Walk {
                reached: None,
                found,
            };
        };
        node = next;
        found = Some(at);
    }
    Walk {
        reached: Some(node),
        found,
    }
}

/// A line with content, as the walker sees it.
struct Line<'t> {
    start: usize,
    /// Column of the first character: the dash of an item line, else the content.
    first: usize,
    /// Column of the content: after `- ` on an item line.
    content_column: usize,
    content: &'t str,
    is_item: bool,
}

impl<'t> Line<'t> {
    /// The lines that have content (not blank, not only a comment).
    fn split(text: &'t str) -> Vec<Line<'t>> {
        let mut lines = Vec::new();
        let mut start = 0;
        for raw in text.split_inclusive('\n') {
            let line_start = start;
            start += raw.len();
            let trimmed = raw.trim_start_matches(' ');
            let first = raw.len() - trimmed.len();
            let trimmed = trimmed.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (is_item, content_column, content) = match trimmed.strip_prefix('-') {
                Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                    let content = rest.trim_start_matches(' ');
                    (true, first + 1 + (rest.len() - content.len()), content)
                }
                _ => (false, first, trimmed),
            };
            lines.push(Line {
                start: line_start,
                first,
                content_column,
                content,
                is_item,
            });
        }
        lines
    }

    fn content_offset(&self) -> usize {
        self.start + self.content_column
    }
}

/// A node the walk has reached: the root, the value of the key on line `line` (at
/// `column`), or the item whose dash is on line `line` (at `column`).
#[derive(Clone, Copy)]
enum Node {
    Root,
    Key { line: usize, column: usize },
    Item { line: usize, column: usize },
}

/// The lines inside `node`, its own line included for an item (whose content starts
/// after the dash).
fn region<'l, 't>(lines: &'l [Line<'t>], node: Node) -> &'l [Line<'t>] {
    let (from, end) = match node {
        Node::Root => (0, lines.len()),
        // A sequence may sit at its key's own indent (`key:\n- a`).
        Node::Key { line, column } => {
            let from = line + 1;
            (
                from,
                end_of(lines, from, |l| {
                    l.first > column || (l.is_item && l.first == column)
                }),
            )
        }
        Node::Item { line, column } => (line, end_of(lines, line + 1, |l| l.first > column)),
    };
    lines.get(from..end).unwrap_or_default()
}

/// The index of the first line from `from` on that is not `inside` (or the end).
fn end_of(lines: &[Line], from: usize, inside: impl Fn(&Line) -> bool) -> usize {
    lines
        .get(from..)
        .and_then(|rest| rest.iter().position(|l| !inside(l)))
        .map_or(lines.len(), |n| from + n)
}

/// A `key:` found in a mapping.
struct FoundKey {
    node: Node,
    /// The offset of the key.
    key_at: usize,
    /// The offset of its inline value, or of the key for a block value.
    value_at: usize,
}

/// Finds the `occurrence`th `key:` (from 0) among the entries of the mapping `node`.
fn find_key(lines: &[Line], node: Node, key: &str, occurrence: usize) -> Option<FoundKey> {
    let inside = region(lines, node);
    let entry_column = inside.first()?.content_column;
    let is_item = matches!(node, Node::Item { .. });
    let mut earlier = 0;
    for (position, line) in inside.iter().enumerate() {
        // An item's first key shares the dash's line; every other key is a line of its own.
        let own_line = !line.is_item || (is_item && position == 0);
        if line.content_column != entry_column || !own_line {
            continue;
        }
        let after = line
            .content
            .strip_prefix(key)
            .or_else(|| line.content.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| line.content.strip_prefix(&format!("'{key}'")));
        let Some(value) = after.and_then(|after| after.strip_prefix(':')) else {
            continue;
        };
        if earlier < occurrence {
            earlier += 1;
            continue;
        }
        let key_offset = line.content_offset();
        let value_trimmed = value.trim_start();
        let at = if value_trimmed.is_empty() || value_trimmed.starts_with('#') {
            key_offset
        } else {
            key_offset + (line.content.len() - value_trimmed.len())
        };
        let start_of_region = match node {
            Node::Root => 0,
            Node::Key { line, .. } => line + 1,
            Node::Item { line, .. } => line,
        };
        return Some(FoundKey {
            node: Node::Key {
                line: start_of_region + position,
                column: line.content_column,
            },
            key_at: key_offset,
            value_at: at,
        });
    }
    None
}

/// Finds the `index`th `- ` item of the sequence that is the value of `node`.
fn find_item(lines: &[Line], node: Node, index: usize) -> Option<(Node, usize)> {
    let start_of_region = match node {
        Node::Root => 0,
        Node::Key { line, .. } => line + 1,
        Node::Item { .. } => return None,
    };
    let inside = region(lines, node);
    let dash_column = inside.iter().find(|line| line.is_item)?.first;
    let (position, line) = inside
        .iter()
        .enumerate()
        .filter(|(_, line)| line.is_item && line.first == dash_column)
        .nth(index)?;
    let at = if line.content.is_empty() {
        line.start + line.first
    } else {
        line.content_offset()
    };
    Some((
        Node::Item {
            line: start_of_region + position,
            column: dash_column,
        },
        at,
    ))
}

/// The first occurrence of `needle` at or after the value of `path` (or anywhere, when
/// the path is not found), in its plain, single-quoted or double-quoted YAML spelling.
pub(crate) fn locate_scalar(text: &str, path: &[&str], needle: &str) -> Option<Location> {
    let start = locate(text, path)
        .and_then(|location| offset_of(text, location))
        .unwrap_or(0);
    let spellings = [
        needle.to_string(),
        needle.replace('\'', "''"),
        needle.replace('\\', "\\\\").replace('"', "\\\""),
    ];
    let rest = text.get(start..)?;
    spellings
        .iter()
        .filter_map(|spelling| rest.find(spelling.as_str()))
        .min()
        .map(|at| Location::of_offset(text, start + at))
}

fn offset_of(text: &str, location: Location) -> Option<usize> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(location.line.saturating_sub(1))
        .map(str::len)
        .sum();
    let line = text.get(line_start..)?;
    let column_bytes: usize = line
        .chars()
        .take(location.column.saturating_sub(1))
        .map(char::len_utf8)
        .sum();
    Some(line_start + column_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "a: 1\nthresholds:\n  # note\n  auto_resolve: 0.85\n  draft: 0.9\nother:\n  draft: 2\n";

    #[test]
    fn finds_nested_keys() {
        assert_eq!(
            locate(TEXT, &["thresholds", "draft"]),
            Some(Location {
                line: 5,
                column: 10
            })
        );
        assert_eq!(
            locate(TEXT, &["other", "draft"]),
            Some(Location {
                line: 7,
                column: 10
            })
        );
        assert_eq!(
            locate(TEXT, &["thresholds"]),
            Some(Location { line: 2, column: 1 })
        );
        // The deepest enclosing node found, and nothing when nothing is.
        assert_eq!(
            locate(TEXT, &["thresholds", "missing"]),
            Some(Location { line: 2, column: 1 })
        );
        assert_eq!(locate(TEXT, &["missing"]), None);
    }

    fn at(text: &str, path: &[Step]) -> Option<(usize, usize)> {
        locate_steps(text, path).map(|location| (location.line, location.column))
    }

    fn key(name: &str) -> Step {
        Step::Key(name.to_string())
    }

    #[test]
    fn follows_sequence_items() {
        let text = "routing:\n  rules:\n    - name: a\n      queue: x\n    # gap\n\n    - name: b\n      queue: y\n  after: 1\n";
        assert_eq!(
            at(text, &[key("routing"), key("rules"), Step::Index(1)]),
            Some((7, 7))
        );
        assert_eq!(
            at(
                text,
                &[key("routing"), key("rules"), Step::Index(1), key("name")]
            ),
            Some((7, 13))
        );
        assert_eq!(
            at(
                text,
                &[key("routing"), key("rules"), Step::Index(1), key("queue")]
            ),
            Some((8, 14))
        );
        assert_eq!(
            at(
                text,
                &[key("routing"), key("rules"), Step::Index(0), key("queue")]
            ),
            Some((4, 14))
        );
        // Past the end: the sequence itself.
        assert_eq!(
            at(text, &[key("routing"), key("rules"), Step::Index(2)]),
            Some((2, 3))
        );
        assert_eq!(at(text, &[key("routing"), key("after")]), Some((9, 10)));
    }

    #[test]
    fn follows_a_sequence_at_its_keys_indent_and_stops_at_flow_style() {
        let text = "rules:\n- name: a\n- name: b\n  kind: {scaled: x}\nnext: 2\n";
        assert_eq!(
            at(text, &[key("rules"), Step::Index(1), key("name")]),
            Some((3, 9))
        );
        assert_eq!(
            at(
                text,
                &[key("rules"), Step::Index(1), key("kind"), key("scaled")]
            ),
            Some((4, 9))
        );
        assert_eq!(at(text, &[key("next")]), Some((5, 7)));
    }

    #[test]
    fn points_at_a_key_itself_and_at_its_later_occurrences() {
        let text = "rules:\n  - name: a\n    kind: |\n      name: x\n    'name': b\n    name:\n      c\nflow: {name: a, name: b}\n";
        let key_at = |path: &[Step], name: &str, occurrence: usize| {
            locate_key(text, path, name, occurrence)
                .map(|location| (location.line, location.column))
        };
        let rule = [key("rules"), Step::Index(0)];
        assert_eq!(key_at(&rule, "name", 0), Some((2, 5)));
        // A block scalar's lines are not keys; a quoted key is one.
        assert_eq!(key_at(&rule, "name", 1), Some((5, 5)));
        assert_eq!(key_at(&rule, "name", 2), Some((6, 5)));
        assert_eq!(key_at(&rule, "kind", 0), Some((3, 5)));
        // No such occurrence, or a flow mapping: the mapping itself.
        assert_eq!(key_at(&rule, "name", 3), Some((2, 5)));
        assert_eq!(key_at(&[key("flow")], "name", 1), Some((8, 7)));
        // A path that is not all found: the deepest node found, as for a value.
        assert_eq!(
            key_at(&[key("rules"), Step::Index(4)], "name", 0),
            Some((1, 1))
        );
        assert_eq!(key_at(&[key("nothing")], "name", 0), None);
    }

    #[test]
    fn finds_scalars_after_a_path() {
        let text = "x: 'a('\np:\n  patterns: ['a(', \"b\\\\d(\"]\n";
        assert_eq!(
            locate_scalar(text, &["p"], "a("),
            Some(Location {
                line: 3,
                column: 15
            })
        );
        assert_eq!(
            locate_scalar(text, &["p"], "b\\d("),
            Some(Location {
                line: 3,
                column: 21
            })
        );
    }
}
