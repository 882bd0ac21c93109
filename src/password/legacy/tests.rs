//! Every fixture made by the real library of its ecosystem
//! (tests/fixtures/legacy_hashes/generate.py) verifies with its password and fails with
//! any other; broken, truncated and over-costly hashes are refused before any hashing.

use serde::Deserialize;
use serde_json::Value;

use super::*;

#[derive(Deserialize)]
struct Fixture {
    scheme: String,
    source: String,
    password: String,
    hash: Value,
    /// Default PBKDF2 iterations: seconds each in a debug build (see `heavy_fixtures_verify`).
    #[serde(default)]
    heavy: bool,
}

fn fixtures() -> Vec<Fixture> {
    serde_json::from_str(include_str!(
        "../../../tests/fixtures/legacy_hashes/fixtures.json"
    ))
    .unwrap()
}

/// The stored form of a fixture: the string, or a Keycloak object's canonical text.
fn stored(f: &Fixture) -> String {
    match &f.hash {
        Value::String(s) => s.clone(),
        object => canonical_credential(object).unwrap(),
    }
}

#[test]
fn every_fixture_verifies_with_its_password_and_no_other() {
    let all = fixtures();
    assert!(all.len() >= 25);
    // The fixtures carry their ecosystems' default costs (seconds in all): two threads.
    let (even, odd): (Vec<_>, Vec<_>) = all
        .iter()
        .filter(|f| !f.heavy)
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    std::thread::scope(|s| {
        for half in [even, odd] {
            s.spawn(move || {
                for (_, f) in half {
                    let legacy = parse(&stored(f))
                        .unwrap_or_else(|e| panic!("{} ({}): {e}", f.scheme, f.source));
                    assert_eq!(legacy.scheme, f.scheme, "{}", f.source);
                    assert!(legacy.verify(f.password.as_bytes()), "{}", f.source);
                    let mut other = f.password.clone();
                    other.insert(0, '!');
                    assert!(!legacy.verify(other.as_bytes()), "{}", f.scheme);
                }
            });
        }
    });
}

#[test]
fn every_scheme_of_the_contract_has_a_fixture() {
    let all = fixtures();
    let strings: Vec<String> = all.iter().map(stored).collect();
    for prefix in [
        "$argon2id$",
        "$argon2i$",
        "$argon2d$",
        "$scrypt$",
        "$pbkdf2-sha256$",
        "$pbkdf2-sha512$",
        "$2a$",
        "$2b$",
        "$2y$",
        "$5$",
        "$6$",
        "pbkdf2_sha256$",
        "argon2$argon2id$",
        "bcrypt_sha256$",
        "scrypt$",
        "pbkdf2:sha256:",
        "scrypt:",
        "{SSHA}",
        "{SSHA256}",
        "{SSHA512}",
    ] {
        assert!(strings.iter().any(|s| s.starts_with(prefix)), "{prefix}");
    }
    for algorithm in ["pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512", "argon2"] {
        let needle = format!("\\\"algorithm\\\":\\\"{algorithm}\\\"");
        assert!(strings.iter().any(|s| s.contains(&needle)), "{algorithm}");
    }
}

#[test]
fn a_full_width_password_is_verified_as_typed() {
    // The old systems hashed the bytes as typed; NFKC would change these.
    let f = fixtures()
        .into_iter()
        .find(|f| f.password.starts_with('ｆ'))
        .unwrap();
    let legacy = parse(&stored(&f)).unwrap();
    assert!(legacy.verify(f.password.as_bytes()));
    assert!(!legacy.verify(b"fullwidth pass"));
}

#[test]
fn truncated_and_malformed_hashes_are_refused() {
    for f in fixtures() {
        let s = stored(&f);
        if f.hash.is_object() {
            continue;
        }
        for cut in [s.len() / 2, s.len() - 8] {
            let truncated = &s[..s
                .char_indices()
                .map(|(i, _)| i)
                .find(|&i| i >= cut)
                .unwrap()];
            match parse(truncated) {
                Err(_) => {}
                // A cut inside the base64 of an LDAP value can still decode; it must not
                // then verify the password.
                Ok(l) => assert!(!l.verify(f.password.as_bytes()), "{} {truncated}", f.scheme),
            }
        }
    }
    for bad in [
        "",
        "$",
        "$$",
        "$argon2id$",
        "$argon2id$v=19$m=65536,t=3$c2FsdHNhbHQ$aGFzaA",
        "$argon2id$v=19$m=x,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=99$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=16,r=8$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$scrypt$ln=99,r=8,p=1$c2FsdA$aGFzaA",
        "$pbkdf2-sha256$0$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$2b$12$short",
        "$2b$1$x",
        "$2x$12$abcdefghijklmnopqrstuuPp7HPfoAs8I2dCQCQ/fW7zEJv8I8C8e",
        "$5$rounds=$salt$",
        "$6$salt$tooshort",
        "$1$md5$hash",
        "md5$salt$hash",
        "sha1$salt$hash",
        "plain text",
        "pbkdf2_sha256$abc$salt$aGFzaA==",
        "pbkdf2_sha256$1000$salt$!!!",
        "pbkdf2:md5:1000$salt$abcd",
        "pbkdf2:sha256$salt$abcd",
        "scrypt:32768:8$salt$abcd",
        "scrypt$16384$salt$8$5",
        "argon2$bcrypt$x",
        "bcrypt_sha256$$3b$12$x",
        "{SSHA}!!!",
        "{SSHA}c2hvcnQ=",
        "{SMD5}c2hvcnQ=",
        "{\"type\":\"otp\"}",
        "{\"type\":\"password\",\"secretData\":\"{}\",\"credentialData\":\"{}\"}",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    assert!(parse(&"$".repeat(5000)).is_err());
}

/// A fixture's hash with its cost field replaced.
fn with_cost(scheme: &str, from: &str, to: &str) -> String {
    let f = fixtures().into_iter().find(|f| f.scheme == scheme).unwrap();
    let s = stored(&f);
    assert!(s.contains(from), "{scheme}: {s}");
    s.replacen(from, to, 1)
}

#[test]
fn absurd_costs_are_refused_before_any_hashing() {
    for absurd in [
        with_cost("argon2id", "m=65536", "m=4194304"),
        with_cost("argon2i", "t=3", "t=64"),
        with_cost("django-argon2", "p=8", "p=255"),
        with_cost("scrypt", "ln=16", "ln=30"),
        with_cost("scrypt", "p=1", "p=4096"),
        with_cost("django-scrypt", "$5$", "$5000$"),
        with_cost("werkzeug-scrypt", "scrypt:32768", "scrypt:1048576"),
        with_cost("pbkdf2-sha256", "29000", "4000000000"),
        with_cost("django-pbkdf2-sha256", "1000000", "99000000"),
        with_cost("werkzeug-pbkdf2", ":1000000$", ":50000000$"),
        with_cost("sha512-crypt", "rounds=656000", "rounds=999999999"),
        with_cost("django-bcrypt-sha256", "$12$", "$20$"),
        with_cost("bcrypt", "$12$", "$31$"),
        with_cost("keycloak-pbkdf2", "1300000", "13000000"),
        with_cost("keycloak-argon2", "[\\\"7168\\\"]", "[\\\"4194304\\\"]"),
    ] {
        let refused = parse(&absurd).expect_err(&absurd);
        assert!(
            !refused.0.contains('$'),
            "the reason names no hash: {}",
            refused.0
        );
    }
}

#[test]
fn the_ecosystems_defaults_are_within_the_bounds() {
    // Each fixture is made with its library's default costs, so each parsing at all is the
    // proof; these name the figures of the contract.
    let django_argon2 = "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHRzYWx0c2FsdA$\
                         AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert!(parse(django_argon2).is_ok());
    let bcrypt14 = with_cost("bcrypt", "$12$", "$14$");
    assert!(parse(&bcrypt14).is_ok());
    let django_pbkdf2 = with_cost("django-pbkdf2-sha256", "1000000", "1500000");
    assert!(parse(&django_pbkdf2).is_ok());
}

#[test]
fn a_keycloak_credential_keeps_only_what_verification_needs() {
    let f = fixtures()
        .into_iter()
        .find(|f| f.scheme == "keycloak-pbkdf2-sha512")
        .unwrap();
    let text = canonical_credential(&f.hash).unwrap();
    let back: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = back.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["credentialData", "secretData", "type"]);
    assert!(canonical_credential(&serde_json::json!({"type": "password"})).is_err());
    assert!(canonical_credential(&serde_json::json!([1, 2])).is_err());
}

/// The fixtures at their ecosystems' default PBKDF2 iterations (every one also parses in
/// the tests above; `cargo run --release --example legacy_costs` times them). Each
/// takes up to a few seconds in a test build, so they verify side by side.
#[test]
fn heavy_fixtures_verify() {
    let heavy: Vec<_> = fixtures().into_iter().filter(|f| f.heavy).collect();
    assert!(!heavy.is_empty());
    std::thread::scope(|s| {
        for f in &heavy {
            s.spawn(move || {
                let legacy = parse(&stored(f)).unwrap();
                assert!(legacy.verify(f.password.as_bytes()), "{}", f.source);
            });
        }
    });
}

/// A credential whose `credentialData` lacks `hashIterations` and `additionalParameters`
/// (older Keycloak exports, hand-made ones) is read with Keycloak's defaults: each
/// fixture made at those defaults, stripped, reads as the same hash and still verifies.
#[test]
fn a_keycloak_credential_without_its_parameters_takes_keycloaks_defaults() {
    let defaults = [
        ("keycloak-pbkdf2", "1300000"),
        ("keycloak-pbkdf2-sha256", "600000"),
        ("keycloak-pbkdf2-sha512", "210000"),
        ("keycloak-argon2", "5"),
    ];
    let all = fixtures();
    std::thread::scope(|s| {
        for (scheme, iterations) in defaults {
            let f = all
                .iter()
                .find(|f| {
                    f.scheme == scheme
                        && f.hash["credentialData"]
                            .as_str()
                            .unwrap()
                            .contains(&format!("\"hashIterations\":{iterations},"))
                })
                .unwrap_or_else(|| panic!("a {scheme} fixture at Keycloak's defaults"));
            let data: Value =
                serde_json::from_str(f.hash["credentialData"].as_str().unwrap()).unwrap();
            let mut stripped = f.hash.clone();
            stripped["credentialData"] = serde_json::json!({"algorithm": data["algorithm"]})
                .to_string()
                .into();
            let bare = parse(&canonical_credential(&stripped).unwrap()).unwrap();
            assert_eq!(bare, parse(&stored(f)).unwrap(), "{scheme}");
            if scheme == "keycloak-argon2" {
                assert!(matches!(
                    bare.kind,
                    Kind::Argon2 {
                        variant: Argon2Variant::Id,
                        version: 0x13,
                        memory_kib: 7168,
                        iterations: 5,
                        lanes: 1,
                        ..
                    }
                ));
            } else {
                let expected: u32 = iterations.parse().unwrap();
                assert!(
                    matches!(bare.kind, Kind::Pbkdf2 { iterations, .. } if iterations == expected),
                    "{scheme}"
                );
            }
            s.spawn(move || assert!(bare.verify(f.password.as_bytes()), "{scheme}"));
        }
    });
}

#[test]
fn a_sha_crypt_verification_whose_password_would_make_it_too_dear_is_not_run() {
    // Within the bound: passlib's default rounds with a long passphrase, the round bound
    // with a 350-byte one.
    assert!(bounds::sha_crypt_work(656_000, 570) <= bounds::SHA_CRYPT_MAX_WORK);
    assert!(bounds::sha_crypt_work(1_000_000, 350) <= bounds::SHA_CRYPT_MAX_WORK);
    assert!(bounds::sha_crypt_work(1_000_000, 351) > bounds::SHA_CRYPT_MAX_WORK);
    // A real hash of the longest password passgate takes (256 four-byte characters) at
    // 400,000 rounds: its own password fails, unhashed, rather than costing a second.
    let longest = "\u{1F511}".repeat(256);
    let salt = "saltsaltsaltsalt";
    let params = sha_crypt::Sha512Params::new(400_000).unwrap();
    let digest = sha_crypt::sha512_crypt_b64(longest.as_bytes(), salt.as_bytes(), &params).unwrap();
    let stored = format!("$6$rounds=400000${salt}${digest}");
    let parsed = parse(&stored).expect("within the round bound, so importable");
    assert!(!parsed.verify(longest.as_bytes()));
    // The same rounds with a short password are verified as usual.
    let digest = sha_crypt::sha512_crypt_b64(b"short enough", salt.as_bytes(), &params).unwrap();
    let parsed = parse(&format!("$6$rounds=400000${salt}${digest}")).unwrap();
    assert!(parsed.verify(b"short enough"));
    assert!(!parsed.verify(b"short enougH"));
}
