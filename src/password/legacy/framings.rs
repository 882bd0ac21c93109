//! The framings of Django (`<algorithm>$…`), Werkzeug (`<method>$salt$hex`) and LDAP
//! (`{SSHA…}base64`). Each only wraps a primitive; the salts of Django and Werkzeug are
//! text, used as their UTF-8 bytes, as those frameworks do.

use super::modular::argon2_phc;
use super::primitives::{self, Digest};
use super::{b64, unsupported, Legacy, Unsupported};

pub fn parse(stored: &str) -> Result<Legacy, Unsupported> {
    if let Some(rest) = strip_prefix_ignore_case(stored, "{SSHA512}") {
        return ldap("ldap-ssha512", Digest::Sha512, rest);
    }
    if let Some(rest) = strip_prefix_ignore_case(stored, "{SSHA256}") {
        return ldap("ldap-ssha256", Digest::Sha256, rest);
    }
    if let Some(rest) = strip_prefix_ignore_case(stored, "{SSHA}") {
        return ldap("ldap-ssha", Digest::Sha1, rest);
    }
    if stored.starts_with("pbkdf2:") || stored.starts_with("scrypt:") {
        return werkzeug(stored);
    }
    django(stored)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn ldap(scheme: &'static str, digest: Digest, rest: &str) -> Result<Legacy, Unsupported> {
    let decoded =
        b64::decode(rest).ok_or_else(|| unsupported(format!("{scheme}: malformed base64")))?;
    Ok(Legacy {
        scheme,
        kind: primitives::salted_digest(scheme, digest, decoded)?,
    })
}

fn number(scheme: &str, text: &str) -> Result<u64, Unsupported> {
    (!text.is_empty() && text.len() <= 12 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| unsupported(format!("{scheme}: malformed parameters")))
}

/// `pbkdf2:<digest>:<iterations>$salt$hex` and `scrypt:<n>:<r>:<p>$salt$hex`.
fn werkzeug(stored: &str) -> Result<Legacy, Unsupported> {
    let mut parts = stored.split('$');
    let (Some(method), Some(salt), Some(hex), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(unsupported("werkzeug: malformed hash"));
    };
    let args: Vec<&str> = method.split(':').collect();
    let expected = b64::decode_hex(hex).ok_or_else(|| unsupported("werkzeug: malformed hex"))?;
    let salt = salt.as_bytes().to_vec();
    match args.as_slice() {
        ["pbkdf2", digest, iterations] => {
            let scheme = "werkzeug-pbkdf2";
            let digest = match *digest {
                "sha1" => Digest::Sha1,
                "sha256" => Digest::Sha256,
                "sha512" => Digest::Sha512,
                _ => return Err(unsupported("werkzeug-pbkdf2: unsupported digest")),
            };
            let iterations = number(scheme, iterations)?;
            primitives::exact_len(scheme, &expected, digest.output_len())?;
            Ok(Legacy {
                scheme,
                kind: primitives::pbkdf2(scheme, digest, iterations, salt, expected)?,
            })
        }
        ["scrypt", n, r, p] => {
            let scheme = "werkzeug-scrypt";
            let (n, r, p) = (number(scheme, n)?, number(scheme, r)?, number(scheme, p)?);
            let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
                return Err(unsupported("werkzeug-scrypt: malformed parameters"));
            };
            primitives::exact_len(scheme, &expected, 64)?;
            Ok(Legacy {
                scheme,
                kind: primitives::scrypt(scheme, n, r, p, salt, expected)?,
            })
        }
        _ => Err(unsupported(
            "werkzeug: only pbkdf2:<digest>:<iterations> and scrypt:<n>:<r>:<p>",
        )),
    }
}

/// Django's `<algorithm>$…` encodings (`django.contrib.auth.hashers`).
fn django(stored: &str) -> Result<Legacy, Unsupported> {
    let (algorithm, rest) = stored
        .split_once('$')
        .ok_or_else(|| unsupported("unknown hash format"))?;
    let parts: Vec<&str> = rest.split('$').collect();
    let pbkdf2 = |scheme: &'static str, digest: Digest| -> Result<Legacy, Unsupported> {
        let [iterations, salt, hash] = parts.as_slice() else {
            return Err(unsupported(format!("{scheme}: malformed hash")));
        };
        let expected =
            b64::decode(hash).ok_or_else(|| unsupported(format!("{scheme}: malformed base64")))?;
        primitives::exact_len(scheme, &expected, digest.output_len())?;
        Ok(Legacy {
            scheme,
            kind: primitives::pbkdf2(
                scheme,
                digest,
                number(scheme, iterations)?,
                salt.as_bytes().to_vec(),
                expected,
            )?,
        })
    };
    match algorithm {
        "pbkdf2_sha256" => pbkdf2("django-pbkdf2-sha256", Digest::Sha256),
        "pbkdf2_sha1" => pbkdf2("django-pbkdf2-sha1", Digest::Sha1),
        // `argon2$argon2id$v=19$m=…,t=…,p=…$salt$hash`: argon2-cffi's encoding behind a tag.
        "argon2" => {
            let scheme = "django-argon2";
            let variant = match parts.first().copied() {
                Some("argon2id") => "argon2id",
                Some("argon2i") => "argon2i",
                Some("argon2d") => "argon2d",
                _ => return Err(unsupported("django-argon2: malformed hash")),
            };
            let kind = argon2_phc(variant, &parts[1..])
                .map_err(|e| unsupported(format!("django-{}", e.0)))?;
            Ok(Legacy { scheme, kind })
        }
        // `bcrypt_sha256$$2b$12$…` and `bcrypt$$2b$12$…`: the bcrypt string after `$`.
        "bcrypt_sha256" | "bcrypt" => {
            let sha256 = algorithm == "bcrypt_sha256";
            let scheme = if sha256 {
                "django-bcrypt-sha256"
            } else {
                "django-bcrypt"
            };
            Ok(Legacy {
                scheme,
                kind: primitives::bcrypt(scheme, rest, sha256)?,
            })
        }
        // `scrypt$<n>$salt$<r>$<p>$hash`.
        "scrypt" => {
            let scheme = "django-scrypt";
            let [n, salt, r, p, hash] = parts.as_slice() else {
                return Err(unsupported("django-scrypt: malformed hash"));
            };
            let (n, r, p) = (number(scheme, n)?, number(scheme, r)?, number(scheme, p)?);
            let (Ok(r), Ok(p)) = (u32::try_from(r), u32::try_from(p)) else {
                return Err(unsupported("django-scrypt: malformed parameters"));
            };
            let expected =
                b64::decode(hash).ok_or_else(|| unsupported("django-scrypt: malformed base64"))?;
            primitives::exact_len(scheme, &expected, 64)?;
            Ok(Legacy {
                scheme,
                kind: primitives::scrypt(scheme, n, r, p, salt.as_bytes().to_vec(), expected)?,
            })
        }
        _ => Err(unsupported("unknown hash format")),
    }
}
