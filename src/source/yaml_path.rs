//! Finding where a key path sits in a YAML text, for errors found after parsing.
//!
//! serde_yaml reports positions only for failures inside deserialization; a threshold
//! out of range or a pattern that does not compile is found later, from the model. This
//! walker follows block-style mappings (the style policy files are written in) by
//! indentation. For flow style it may not find the key, and the caller reports the
//! error without a location rather than a wrong one.

use crate::error::Location;

/// The location of the value of `path` (mapping keys from the root), when found.
pub(crate) fn locate(text: &str, path: &[&str]) -> Option<Location> {
    let mut offset = 0usize;
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for key in path {
        let (key_offset, indent, value_offset) = find_key(text, offset, parent_indent, key)?;
        found = Some(value_offset.unwrap_or(key_offset));
        parent_indent = Some(indent);
        offset = key_offset;
    }
    found.map(|at| Location::of_offset(text, at))
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

/// Finds `key:` on a line after `from`, indented deeper than the parent, before the
/// parent's block ends. Returns (offset of the key, its indent, offset of an inline value).
fn find_key(
    text: &str,
    from: usize,
    parent_indent: Option<usize>,
    key: &str,
) -> Option<(usize, usize, Option<usize>)> {
    let mut line_start = from;
    // Start scanning at the line after the parent key (or at the top for the root).
    if parent_indent.is_some() {
        line_start += text.get(from..)?.find('\n')? + 1;
    }
    let mut child_indent: Option<usize> = None;
    for line in text.get(line_start..)?.split_inclusive('\n') {
        let this_start = line_start;
        line_start += line.len();
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let content = trimmed.trim_end();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(parent) = parent_indent {
            if indent <= parent {
                return None;
            }
        }
        let expected = *child_indent.get_or_insert(indent);
        if indent != expected {
            continue;
        }
        let unquoted = content
            .strip_prefix(key)
            .or_else(|| content.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| content.strip_prefix(&format!("'{key}'")));
        if let Some(after) = unquoted {
            if let Some(value) = after.strip_prefix(':') {
                let key_offset = this_start + indent;
                let value_trimmed = value.trim_start();
                let value_offset = (!value_trimmed.is_empty() && !value_trimmed.starts_with('#'))
                    .then(|| key_offset + (content.len() - value_trimmed.len()));
                return Some((key_offset, indent, value_offset));
            }
        }
    }
    None
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
        assert_eq!(locate(TEXT, &["thresholds", "missing"]), None);
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
