//! Which leaves are encrypted (sops' `shouldBeEncrypted`, spec §5), including the comment stack.

use regex::Regex;

/// The file's one encryption rule.
#[derive(Clone, Debug)]
pub enum Rule {
    /// Keys ending with this suffix (at any depth) stay clear.
    UnencryptedSuffix(String),
    /// Only values under a key ending with this suffix are encrypted.
    EncryptedSuffix(String),
    /// Keys matching this regex (at any depth) stay clear; `None` when the regex is invalid.
    UnencryptedRegex(Option<Regex>),
    /// Only values under a key matching this regex are encrypted.
    EncryptedRegex(Option<Regex>),
    /// Values after a comment matching this regex stay clear.
    UnencryptedCommentRegex(Option<Regex>),
    /// Only values after a comment matching this regex are encrypted.
    EncryptedCommentRegex(Option<Regex>),
}

/// Compiles a Go RE2 pattern; an invalid pattern never matches (as in sops).
pub fn compile(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

fn matches(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

impl Rule {
    /// Decides whether the leaf at `path` is encrypted. `comments` holds one list of active
    /// comments per nesting level; `is_comment` says the leaf is itself the last comment pushed.
    pub fn should_encrypt(
        &self,
        path: &[String],
        comments: &[Vec<String>],
        is_comment: bool,
    ) -> bool {
        match self {
            Rule::UnencryptedSuffix(s) => !path.iter().any(|p| p.ends_with(s.as_str())),
            Rule::EncryptedSuffix(s) => path.iter().any(|p| p.ends_with(s.as_str())),
            Rule::UnencryptedRegex(re) => !path.iter().any(|p| matches(re, p)),
            Rule::EncryptedRegex(re) => path.iter().any(|p| matches(re, p)),
            Rule::UnencryptedCommentRegex(re) => !comments.iter().flatten().any(|c| matches(re, c)),
            Rule::EncryptedCommentRegex(re) => {
                let last_level = comments.len().saturating_sub(1);
                comments.iter().enumerate().any(|(i, level)| {
                    level.iter().enumerate().any(|(j, c)| {
                        let itself = is_comment && i == last_level && j + 1 == level.len();
                        !itself && matches(re, c)
                    })
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn any_ancestor_counts() {
        let r = Rule::EncryptedRegex(compile("^(data|stringData)$"));
        assert!(r.should_encrypt(&p(&["spec", "data", "x"]), &[], false));
        assert!(!r.should_encrypt(&p(&["metadata", "name"]), &[], false));
        assert!(!r.should_encrypt(&[], &[], true));
        let s = Rule::UnencryptedSuffix("_public".into());
        assert!(!s.should_encrypt(&p(&["settings_public", "deep", "value"]), &[], false));
        assert!(s.should_encrypt(&p(&["settings", "token"]), &[], false));
        let e = Rule::EncryptedSuffix("_secret".into());
        assert!(e.should_encrypt(&p(&["a_secret", "b"]), &[], false));
        assert!(!e.should_encrypt(&p(&["a"]), &[], false));
    }

    #[test]
    fn invalid_regex_never_matches() {
        let r = Rule::UnencryptedRegex(compile("("));
        assert!(r.should_encrypt(&p(&["x"]), &[], false));
    }

    #[test]
    fn comment_stack_rules() {
        let enc = Rule::EncryptedCommentRegex(compile("sops:enc"));
        let stack = vec![vec![" sops:enc".to_string()]];
        // The marker comment itself stays clear, the value below it is encrypted.
        assert!(!enc.should_encrypt(&[], &stack, true));
        assert!(enc.should_encrypt(&p(&["password"]), &stack, false));
        assert!(!enc.should_encrypt(&p(&["username"]), &[vec![]], false));
        let unenc = Rule::UnencryptedCommentRegex(compile("plain"));
        assert!(!unenc.should_encrypt(&[], &[vec![" plain".into()]], true));
        assert!(unenc.should_encrypt(&p(&["x"]), &[vec![" other".into()]], false));
    }
}
