//! A user as `USER` and compose `user:` write it: `name[:group]` or
//! `uid[:gid]`, read once for every rule.

/// `USER app`, `user: "1000:1000"`, `USER root:root`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserSpec<'a> {
    /// The user's name or uid.
    pub user: &'a str,
    /// The group's name or gid, when given.
    pub group: Option<&'a str>,
}

impl<'a> UserSpec<'a> {
    pub fn parse(text: &'a str) -> UserSpec<'a> {
        let t = text.trim();
        match t.split_once(':') {
            Some((user, group)) => UserSpec {
                user,
                group: Some(group),
            },
            None => UserSpec {
                user: t,
                group: None,
            },
        }
    }

    /// Whether the processes run as root: the user `root` or uid 0,
    /// whatever the group.
    pub fn is_root(&self) -> bool {
        self.user == "root" || self.user == "0"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_groups() {
        for root in ["root", "0", "root:root", "0:0", "root:1000", " root "] {
            assert!(UserSpec::parse(root).is_root(), "{root}");
        }
        for user in ["app", "1000", "1000:0", "nobody:root", "rootless"] {
            assert!(!UserSpec::parse(user).is_root(), "{user}");
        }
        assert_eq!(UserSpec::parse("1000:2000").group, Some("2000"));
    }
}
