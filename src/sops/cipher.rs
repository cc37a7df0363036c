//! `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` values: parsing, AES-256-GCM with sops' 32-byte
//! IVs, and the typed plaintexts of spec §6.3.

use std::sync::OnceLock;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use regex::Regex;
use zeroize::Zeroize;

use super::tree::Value;

/// AES-256-GCM with the 32-byte nonce sops uses.
type SopsGcm = AesGcm<Aes256, U32>;

/// A parsed `ENC[...]` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encrypted {
    data: Vec<u8>,
    iv: Vec<u8>,
    tag: Vec<u8>,
    /// The `type:` field.
    pub kind: String,
}

fn enc_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
            .expect("constant regex")
    })
}

/// Parses an `ENC[...]` string (sops' regex: anchored at the start only, strict padded base64).
pub fn parse(s: &str) -> Option<Encrypted> {
    let caps = enc_regex().captures(s)?;
    let b64 = |i: usize| STANDARD.decode(caps.get(i)?.as_str()).ok();
    Some(Encrypted {
        data: b64(1)?,
        iv: b64(2)?,
        tag: b64(3)?,
        kind: caps.get(4)?.as_str().to_owned(),
    })
}

/// The data key, expanded once for all the values of a file.
pub struct Opener(SopsGcm);

impl Opener {
    /// Expands the data key.
    pub fn new(key: &[u8; 32]) -> Opener {
        Opener(SopsGcm::new(key.into()))
    }

    /// Opens a value with its AAD; `None` when authentication fails.
    pub fn open(&self, enc: &Encrypted, aad: &[u8]) -> Option<Vec<u8>> {
        if enc.iv.len() != 32 || enc.tag.len() != 16 {
            return None;
        }
        let mut msg = Vec::with_capacity(enc.data.len() + 16);
        msg.extend_from_slice(&enc.data);
        msg.extend_from_slice(&enc.tag);
        self.0
            .decrypt(
                Nonce::<U32>::from_slice(&enc.iv),
                Payload { msg: &msg, aad },
            )
            .ok()
    }
}

/// Turns a plaintext into the value its `type:` names; `Err` says what is wrong. Plaintext that
/// is parsed into another type is wiped.
pub fn decode(kind: &str, mut plain: Vec<u8>) -> Result<Value, String> {
    match kind {
        "str" => {
            return Ok(match String::from_utf8(plain) {
                Ok(s) => Value::Str(s),
                Err(e) => Value::Bytes(e.into_bytes()),
            });
        }
        "bytes" => return Ok(Value::Bytes(plain)),
        "comment" => {
            return Ok(Value::Comment(match String::from_utf8(plain) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }));
        }
        _ => {}
    }
    let parsed = parse_typed(kind, &plain);
    plain.zeroize();
    parsed
}

fn parse_typed(kind: &str, plain: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(plain).map_err(|_| format!("{kind} plaintext is not UTF-8"))?;
    match kind {
        "int" => go_atoi(text)
            .map(Value::Int)
            .ok_or_else(|| "int plaintext is not a decimal integer".into()),
        "float" => go_parse_float(text)
            .map(Value::Float)
            .ok_or_else(|| "float plaintext is not a number".into()),
        "bool" => match text {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(Value::Bool(false)),
            _ => Err("bool plaintext is not a boolean".into()),
        },
        "time" => crate::yaml::timestamp::parse(text)
            .map(|ts| Value::Time(ts.to_rfc3339()))
            .ok_or_else(|| "time plaintext is not an RFC 3339 timestamp".into()),
        other => Err(format!("unknown datatype `{other}`")),
    }
}

/// Go's `strconv.Atoi` on 64-bit: optional sign, decimal digits.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for the texts sops writes (decimal, exponent, ±Inf, NaN).
fn go_parse_float(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "+inf" | "inf" | "+infinity" | "infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if s.bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    s.parse().ok()
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f == f64::INFINITY {
        "+Inf".into()
    } else if f == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{f}")
    }
}

/// The bytes `sops.ToBytes` feeds to the MAC for a scalar (`None` for comments, null, collections).
pub fn to_bytes(v: &Value) -> Option<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    Some(match v {
        Value::Str(s) | Value::Time(s) => Cow::Borrowed(s.as_bytes()),
        Value::Bytes(b) => Cow::Borrowed(b.as_slice()),
        Value::Int(i) => Cow::Owned(i.to_string().into_bytes()),
        Value::Float(f) => Cow::Owned(format_float(*f).into_bytes()),
        Value::Bool(true) => Cow::Borrowed(b"True"),
        Value::Bool(false) => Cow::Borrowed(b"False"),
        Value::Null | Value::Comment(_) | Value::List(_) | Value::Map(_) => return None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aes_gcm::aead::AeadCore;

    /// Encrypts like sops (test helper only: the product never encrypts).
    pub(crate) fn seal(plain: &[u8], key: &[u8; 32], aad: &[u8], kind: &str) -> String {
        let cipher = SopsGcm::new_from_slice(key).unwrap();
        let nonce = SopsGcm::generate_nonce(&mut aes_gcm::aead::OsRng);
        let out = cipher.encrypt(&nonce, Payload { msg: plain, aad }).unwrap();
        let (data, tag) = out.split_at(out.len() - 16);
        format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{kind}]",
            STANDARD.encode(data),
            STANDARD.encode(nonce),
            STANDARD.encode(tag)
        )
    }

    #[test]
    fn round_trip_and_aad_binding() {
        let key = [7u8; 32];
        let s = seal(b"s3cr3t", &key, b"a:b:", "str");
        let enc = parse(&s).unwrap();
        assert_eq!(enc.kind, "str");
        assert_eq!(Opener::new(&key).open(&enc, b"a:b:").unwrap(), b"s3cr3t");
        assert!(Opener::new(&key).open(&enc, b"a:c:").is_none());
        assert!(Opener::new(&[8u8; 32]).open(&enc, b"a:b:").is_none());
    }

    #[test]
    fn parse_rejects_bad_forms() {
        assert!(parse("ENC[AES256_GCM,data:!!,iv:AA==,tag:AA==,type:str]").is_none());
        assert!(parse("ENC[AES256_GCM,data:AA,iv:AA==,tag:AA==,type:str]").is_none());
        assert!(parse("plain").is_none());
        assert!(parse("xENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]").is_none());
        let p = parse("ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str] trailing").unwrap();
        assert_eq!(p.kind, "str");
    }

    #[test]
    fn types_decode_like_go() {
        assert_eq!(decode("int", b"-42".to_vec()).unwrap(), Value::Int(-42));
        assert!(decode("int", b"4.2".to_vec()).is_err());
        assert_eq!(
            decode("float", b"15000000000".to_vec()).unwrap(),
            Value::Float(1.5e10)
        );
        assert!(matches!(decode("float", b"NaN".to_vec()).unwrap(), Value::Float(f) if f.is_nan()));
        assert_eq!(decode("bool", b"True".to_vec()).unwrap(), Value::Bool(true));
        assert_eq!(
            decode("time", b"2024-01-15T00:00:00Z".to_vec()).unwrap(),
            Value::Time("2024-01-15T00:00:00Z".into())
        );
        assert_eq!(decode("str", vec![0xff]).unwrap(), Value::Bytes(vec![0xff]));
        assert_eq!(
            decode("comment", b" hi".to_vec()).unwrap(),
            Value::Comment(" hi".into())
        );
        assert!(
            decode("weird", vec![])
                .unwrap_err()
                .contains("unknown datatype")
        );
    }

    #[test]
    fn mac_bytes_are_go_canonical() {
        assert_eq!(&*to_bytes(&Value::Float(2.0)).unwrap(), b"2");
        assert_eq!(
            &*to_bytes(&Value::Float(1e21)).unwrap(),
            b"1000000000000000000000"
        );
        assert_eq!(&*to_bytes(&Value::Float(-0.00125)).unwrap(), b"-0.00125");
        assert_eq!(&*to_bytes(&Value::Float(f64::INFINITY)).unwrap(), b"+Inf");
        assert_eq!(&*to_bytes(&Value::Bool(false)).unwrap(), b"False");
        assert!(to_bytes(&Value::Null).is_none());
    }
}
