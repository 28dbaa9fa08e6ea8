//! The per-product session and token stores (EM logon sessions and tasks, VBR access and refresh
//! tokens and authorization codes, ZVM sessions and realm tokens), the text forms of an EM token
//! (EM-14), and what works on every store: expiry, counting live sessions, revocation.

use std::collections::HashMap;

use base64::Engine as _;

use super::primitives::{decode_b64url, dur_ms};
use super::{Product, State};

/// An EM logon session: 48 bytes plus the 16-byte token key.
#[derive(Clone, Copy)]
pub(crate) struct EmSession {
    pub id: u128,
    pub user: u32,
    pub created_ms: u64,
    pub last_ms: u64,
    /// The form its token was issued in (EM-14); a token is accepted only in that form.
    pub form: EmTokenShape,
}

/// The shapes of an EM token (EM-14): what the base64 text decodes to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum EmTokenShape {
    /// The UTF-8 text of the session's `SessionId` GUID (36 bytes): the key is the session id.
    GuidText,
    /// 16 random bytes: the key is those bytes.
    Bytes16,
    /// 24 bytes (16 random and 8 zero): a form no document names (`Break::EmTokenOtherForm`).
    Bytes24,
}

/// An EM task (EM-12): belongs to one logon session.
#[derive(Clone)]
pub(crate) struct EmTask {
    pub owner: u128,
    pub created_ms: u64,
    pub operation: &'static str,
    pub job_id: String,
}

/// The key of an EM token in the session table (see [`EmTokenShape`]).
pub(crate) type EmToken = u128;
pub(crate) type Token32 = [u8; 32];

#[derive(Default)]
pub(crate) struct EmStore {
    pub by_token: HashMap<EmToken, EmSession>,
    pub by_id: HashMap<u128, EmToken>,
    pub tasks: HashMap<u64, EmTask>,
    pub next_task: u64,
}

#[derive(Clone, Copy)]
pub(crate) struct VbrAccess {
    pub user: u32,
    pub expires_ms: u64,
    pub refresh: Token32,
}

#[derive(Clone, Copy)]
pub(crate) struct VbrRefresh {
    pub user: u32,
    pub expires_ms: u64,
    pub short: bool,
}

#[derive(Default)]
pub(crate) struct VbrStore {
    pub access: HashMap<Token32, VbrAccess>,
    pub refresh: HashMap<Token32, VbrRefresh>,
    /// Authorization codes (VBR-05): user, expiry.
    pub codes: HashMap<Token32, (u32, u64)>,
}

#[derive(Clone, Copy)]
pub(crate) struct ZvmSession {
    pub user: u32,
    pub last_ms: u64,
}

/// Subject of an OIDC token: a user index, or [`OIDC_CLIENT`] for the client-credentials client.
#[derive(Clone, Copy)]
pub(crate) struct OidcToken {
    pub subject: u32,
    /// The realm session the token belongs to (ZVM-13: a logout ends all its tokens).
    pub sid: u32,
    pub expires_ms: u64,
    /// Whether the grant asked for `scope=openid` (ZVM-11).
    pub openid: bool,
}

pub(crate) const OIDC_CLIENT: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct ZvmStore {
    pub sessions: HashMap<u128, ZvmSession>,
    pub access: HashMap<Token32, OidcToken>,
    pub refresh: HashMap<Token32, OidcToken>,
    /// The next realm session number (ZVM-13).
    pub next_sid: u32,
}

impl State {
    pub(crate) fn purge_expired(&self) {
        let now = self.now_ms();
        let lt = self.lifetimes();
        {
            let idle = dur_ms(lt.em_idle);
            let mut em = self.em.lock();
            let EmStore {
                by_token,
                by_id,
                tasks,
                ..
            } = &mut *em;
            by_token.retain(|_, s| {
                let live = now < s.last_ms.saturating_add(idle);
                if !live {
                    by_id.remove(&s.id);
                }
                live
            });
            tasks.retain(|_, t| by_id.contains_key(&t.owner));
            shrink(by_token);
            shrink(by_id);
        }
        {
            let mut vbr = self.vbr.lock();
            vbr.access.retain(|_, a| now < a.expires_ms);
            vbr.refresh.retain(|_, r| now < r.expires_ms);
            vbr.codes.retain(|_, c| now < c.1);
            shrink(&mut vbr.access);
            shrink(&mut vbr.refresh);
        }
        {
            let dormancy = dur_ms(lt.zvm_dormancy);
            let mut zvm = self.zvm.lock();
            zvm.sessions
                .retain(|_, s| now < s.last_ms.saturating_add(dormancy));
            zvm.access.retain(|_, t| now < t.expires_ms);
            zvm.refresh.retain(|_, t| now < t.expires_ms);
            shrink(&mut zvm.sessions);
            shrink(&mut zvm.access);
            shrink(&mut zvm.refresh);
        }
    }

    /// Live (unexpired) sessions: EM logon sessions, VBR access tokens, ZVM sessions plus OIDC
    /// access tokens.
    pub(crate) fn live_sessions(&self, product: Product) -> usize {
        let now = self.now_ms();
        let lt = self.lifetimes();
        match product {
            Product::Em => {
                let idle = dur_ms(lt.em_idle);
                self.em
                    .lock()
                    .by_token
                    .values()
                    .filter(|s| now < s.last_ms.saturating_add(idle))
                    .count()
            }
            Product::Vbr => self
                .vbr
                .lock()
                .access
                .values()
                .filter(|a| now < a.expires_ms)
                .count(),
            Product::Zvm => {
                let dormancy = dur_ms(lt.zvm_dormancy);
                let zvm = self.zvm.lock();
                zvm.sessions
                    .values()
                    .filter(|s| now < s.last_ms.saturating_add(dormancy))
                    .count()
                    + zvm.access.values().filter(|t| now < t.expires_ms).count()
            }
        }
    }

    /// Revokes every session of `product`, or only those of the user named `user`. Returns how
    /// many were revoked.
    pub(crate) fn revoke(&self, product: Product, user: Option<&str>) -> usize {
        let wanted: Option<Vec<u32>> = user.map(|name| {
            self.users
                .read()
                .iter()
                .enumerate()
                .filter(|(_, u)| {
                    u.as_ref()
                        .is_some_and(|u| u.name.eq_ignore_ascii_case(name))
                })
                .filter_map(|(i, _)| u32::try_from(i).ok())
                .collect()
        });
        let hit = |u: u32| wanted.as_ref().is_none_or(|w| w.contains(&u));
        match product {
            Product::Em => {
                let mut em = self.em.lock();
                let EmStore {
                    by_token, by_id, ..
                } = &mut *em;
                let before = by_token.len();
                by_token.retain(|_, s| {
                    let keep = !hit(s.user);
                    if !keep {
                        by_id.remove(&s.id);
                    }
                    keep
                });
                before - by_token.len()
            }
            Product::Vbr => {
                let mut vbr = self.vbr.lock();
                let before = vbr.access.len();
                vbr.access.retain(|_, a| !hit(a.user));
                vbr.refresh.retain(|_, r| !hit(r.user));
                before - vbr.access.len()
            }
            Product::Zvm => {
                let mut zvm = self.zvm.lock();
                let before = zvm.sessions.len() + zvm.access.len();
                zvm.sessions.retain(|_, s| !hit(s.user));
                zvm.access.retain(|_, t| !hit(t.subject));
                zvm.refresh.retain(|_, t| !hit(t.subject));
                before - zvm.sessions.len() - zvm.access.len()
            }
        }
    }

    /// Revokes one session or token by the string a client holds (EM token or session id, VBR
    /// access or refresh token, ZVM session id or OIDC access token).
    pub(crate) fn revoke_token(&self, product: Product, token: &str) -> bool {
        match product {
            Product::Em => {
                let mut em = self.em.lock();
                if let Some((key, _)) = decode_em_token(token)
                    && let Some(s) = em.by_token.remove(&key)
                {
                    em.by_id.remove(&s.id);
                    return true;
                }
                if let Ok(id) = uuid::Uuid::parse_str(token.trim())
                    && let Some(key) = em.by_id.remove(&id.as_u128())
                {
                    em.by_token.remove(&key);
                    return true;
                }
                false
            }
            Product::Vbr => {
                let Some(key) = crate::vbr::token::key_of(token) else {
                    return false;
                };
                let mut vbr = self.vbr.lock();
                if let Some(a) = vbr.access.remove(&key) {
                    vbr.refresh.remove(&a.refresh);
                    return true;
                }
                vbr.refresh.remove(&key).is_some()
            }
            Product::Zvm => {
                let mut zvm = self.zvm.lock();
                if let Ok(id) = uuid::Uuid::parse_str(token.trim()) {
                    return zvm.sessions.remove(&id.as_u128()).is_some();
                }
                match decode_b64url::<32>(token) {
                    Some(key) => zvm.access.remove(&key).is_some(),
                    None => false,
                }
            }
        }
    }
}

fn shrink<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 1024 && map.len() < map.capacity() / 4 {
        map.shrink_to_fit();
    }
}

/// An EM token's text: standard base64 of what `shape` says (EM-14).
pub(crate) fn encode_em_token(key: EmToken, shape: EmTokenShape) -> String {
    let b64 = &base64::engine::general_purpose::STANDARD;
    match shape {
        EmTokenShape::GuidText => b64.encode(uuid::Uuid::from_u128(key).to_string()),
        EmTokenShape::Bytes16 => b64.encode(key.to_be_bytes()),
        EmTokenShape::Bytes24 => {
            let mut bytes = [0u8; 24];
            bytes[..16].copy_from_slice(&key.to_be_bytes());
            b64.encode(bytes)
        }
    }
}

/// The key and shape of an EM token's text; `None` for anything else.
pub(crate) fn decode_em_token(s: &str) -> Option<(EmToken, EmTokenShape)> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    let v = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
    match v.len() {
        16 => Some((
            u128::from_be_bytes(v.try_into().ok()?),
            EmTokenShape::Bytes16,
        )),
        24 if v[16..].iter().all(|b| *b == 0) => Some((
            u128::from_be_bytes(v[..16].try_into().ok()?),
            EmTokenShape::Bytes24,
        )),
        36 => {
            let text = std::str::from_utf8(&v).ok()?;
            let id = uuid::Uuid::try_parse(text).ok()?;
            // Only the canonical lower-case text the server issued.
            (id.to_string() == text).then_some((id.as_u128(), EmTokenShape::GuidText))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{b64url, random_bytes};

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let key = u128::from_be_bytes(random_bytes());
        for shape in [
            EmTokenShape::GuidText,
            EmTokenShape::Bytes16,
            EmTokenShape::Bytes24,
        ] {
            assert_eq!(
                decode_em_token(&encode_em_token(key, shape)),
                Some((key, shape))
            );
        }
        assert_eq!(decode_em_token("garbage"), None);
        assert_eq!(decode_em_token(&"A".repeat(10_000)), None);
        let key: Token32 = random_bytes();
        assert_eq!(decode_b64url::<32>(&b64url(&key)), Some(key));
        assert_eq!(decode_b64url::<32>("!!"), None);
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
    }

    #[test]
    fn stable_ids_are_deterministic_uuids() {
        let a = crate::inventory::stable_id("Job", "Backup Job 01");
        assert_eq!(a, crate::inventory::stable_id("Job", "Backup Job 01"));
        assert_ne!(a, crate::inventory::stable_id("Job", "Backup Job 02"));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
    }

    #[test]
    fn session_records_stay_small_p3() {
        assert!(std::mem::size_of::<EmSession>() <= 48);
        assert!(std::mem::size_of::<VbrAccess>() <= 48);
        assert!(std::mem::size_of::<ZvmSession>() <= 16);
    }
}
