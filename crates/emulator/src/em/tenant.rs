//! The body of a tenant logon (EM-02): a `LoginSpec` holding `TenantCredentials` with
//! `Username` and `Password`, in XML (namespace `http://www.veeam.com/ent/v1.0`, any prefix) or
//! in JSON with the same names.

/// A tenant's credentials from a logon body. The password never appears in `Debug`.
pub(crate) struct TenantSpec {
    /// The tenant's name.
    pub username: String,
    password: String,
}

impl TenantSpec {
    /// The tenant's password.
    pub(crate) fn password(&self) -> &str {
        &self.password
    }
}

impl std::fmt::Debug for TenantSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantSpec")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The tenant credentials of a logon body; `None` when the body is empty or holds none.
pub(crate) fn credentials(body: &[u8]) -> Option<TenantSpec> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    if text.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let creds = v
            .get("TenantCredentials")
            .or_else(|| v.get("LoginSpec")?.get("TenantCredentials"))?;
        return Some(TenantSpec {
            username: creds.get("Username")?.as_str()?.to_owned(),
            password: creds.get("Password")?.as_str()?.to_owned(),
        });
    }
    let inner = element_text(text, "TenantCredentials")?;
    Some(TenantSpec {
        username: unescape(element_text(inner, "Username")?),
        password: unescape(element_text(inner, "Password")?),
    })
}

/// The content of the first element whose local name is `name` (any namespace prefix).
fn element_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = xml;
    loop {
        let open = rest.find('<')?;
        rest = &rest[open + 1..];
        let end = rest.find('>')?;
        let tag = &rest[..end];
        let tag_name = tag.split(|c: char| c.is_whitespace() || c == '/').next()?;
        let local = tag_name.rsplit(':').next()?;
        if local == name && !tag.starts_with('/') {
            let content = &rest[end + 1..];
            if tag.ends_with('/') {
                return Some("");
            }
            let close = format!("</{tag_name}>");
            let stop = content.find(&close)?;
            return Some(&content[..stop]);
        }
        rest = &rest[end + 1..];
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_xml_with_or_without_prefix_and_json() {
        let xml = br#"<?xml version="1.0"?><LoginSpec xmlns="http://www.veeam.com/ent/v1.0"><TenantCredentials><Username>t1</Username><Password>p&amp;w</Password></TenantCredentials></LoginSpec>"#;
        let s = credentials(xml).unwrap();
        assert_eq!((s.username.as_str(), s.password()), ("t1", "p&w"));
        let prefixed = br#"<v:LoginSpec xmlns:v="http://www.veeam.com/ent/v1.0"><v:TenantCredentials><v:Username>t2</v:Username><v:Password>x</v:Password></v:TenantCredentials></v:LoginSpec>"#;
        assert_eq!(credentials(prefixed).unwrap().username, "t2");
        let json = br#"{"TenantCredentials": {"Username": "t3", "Password": "y"}}"#;
        assert_eq!(credentials(json).unwrap().username, "t3");
        assert!(!format!("{:?}", credentials(json).unwrap()).contains('y'));
    }

    #[test]
    fn bad_bodies_hold_no_credentials() {
        for body in [
            &b""[..],
            b"   ",
            b"<LoginSpec/>",
            b"<LoginSpec><TenantCredentials><Username>a",
            b"{\"TenantCredentials\": 5}",
            b"\xff\xfe",
            b"<<<<",
        ] {
            assert!(credentials(body).is_none());
        }
    }
}
