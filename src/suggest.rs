//! "Did you mean" suggestions for misspelt names.

/// The known name closest to `name`, if one is close enough to be a likely typo.
pub(crate) fn closest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(name, candidate),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_near_names_only() {
        let known = ["subsistence_allowance", "orphan", "disability"];
        assert_eq!(
            super::closest("subsistance_allowance", known.into_iter()),
            Some("subsistence_allowance")
        );
        assert_eq!(super::closest("veteran", known.into_iter()), None);
    }
}
