//! The hashing pool: argon2id round trips, the stand-in hash, the bounded queue.

use super::*;

fn hasher(threads: usize, queue: usize) -> Hasher {
    Hasher::new(64, 1, 1, threads, queue, Metrics::new()).unwrap()
}

#[tokio::test]
async fn hashes_and_verifies() {
    let h = hasher(1, 4);
    let phc = h.hash(SecretString::from("correct horse")).await.unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    let ok = h
        .verify(SecretString::from("correct horse"), phc.clone())
        .await
        .unwrap();
    assert!(ok.matches && !ok.needs_rehash);
    let bad = h
        .verify(SecretString::from("wrong"), phc.clone())
        .await
        .unwrap();
    assert!(!bad.matches);
    let other = Hasher::new(128, 1, 1, 1, 1, Metrics::new()).unwrap();
    assert!(
        other
            .verify(SecretString::from("correct horse"), phc)
            .await
            .unwrap()
            .needs_rehash
    );
}

#[tokio::test]
async fn hashes_interoperate_with_the_reference_implementation() {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    let h = hasher(1, 4);
    let ours = h.hash(SecretString::from("correct horse")).await.unwrap();
    let parsed = PasswordHash::new(&ours).unwrap();
    assert!(Argon2::default()
        .verify_password(b"correct horse", &parsed)
        .is_ok());
    let params = Params::new(64, 1, 1, None).unwrap();
    let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
    assert!(
        h.verify(SecretString::from("correct horse"), theirs.clone())
            .await
            .unwrap()
            .matches
    );
    assert!(
        !h.verify(SecretString::from("wrong horse"), theirs)
            .await
            .unwrap()
            .matches
    );
}

#[tokio::test]
async fn the_unmatchable_hash_matches_nothing_but_costs_a_verification() {
    let h = hasher(1, 4);
    let phc = h.unmatchable_phc().unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
    let v = h.verify(SecretString::from(""), phc).await.unwrap();
    assert!(!v.matches && !v.needs_rehash);
}

#[tokio::test]
async fn garbage_phc_never_matches() {
    let v = hasher(1, 1)
        .verify(SecretString::from("x"), "not a hash".into())
        .await
        .unwrap();
    assert!(!v.matches);
}

#[tokio::test]
async fn full_queue_is_rejected_not_awaited() {
    let h = Hasher::new(64 * 1024, 3, 1, 1, 1, Metrics::new()).unwrap();
    let results =
        futures_util::future::join_all((0..8).map(|_| h.hash(SecretString::from("pw")))).await;
    assert!(results
        .iter()
        .any(|r| matches!(r, Err(HashError::Overloaded))));
    assert!(results.iter().any(|r| r.is_ok()));
}

/// Settings above the import bounds of `legacy` (17 lanes; the bound is 16) are the
/// service's own: its hashes and its stand-in verify as any other of its hashes.
#[tokio::test]
async fn settings_above_the_import_bounds_hash_and_verify() {
    let lanes = legacy::bounds::ARGON2_MAX_LANES + 1;
    let h = Hasher::new(8 * lanes, 1, lanes, 1, 4, Metrics::new()).unwrap();
    let phc = h.hash(SecretString::from("correct horse")).await.unwrap();
    assert!(
        legacy::parse(&phc).is_err(),
        "an import of it would be refused"
    );
    let ok = h
        .verify(SecretString::from("correct horse"), phc.clone())
        .await
        .unwrap();
    assert!(ok.matches && !ok.needs_rehash && ok.legacy_scheme.is_none());
    let bad = h.verify(SecretString::from("wrong"), phc).await.unwrap();
    assert!(!bad.matches);
    let stand_in = h.unmatchable_phc().unwrap();
    let v = h.verify(SecretString::from(""), stand_in).await.unwrap();
    assert!(!v.matches && !v.needs_rehash);
}

/// `{SSHA}` of `password` (SHA-1 of the password and the salt, then the salt).
fn ssha(password: &str) -> String {
    use base64::Engine as _;
    use sha1::{Digest as _, Sha1};
    let salt = b"saltsalt";
    let mut out = Sha1::new()
        .chain_update(password)
        .chain_update(salt)
        .finalize()
        .to_vec();
    out.extend_from_slice(salt);
    format!(
        "{{SSHA}}{}",
        base64::engine::general_purpose::STANDARD.encode(out)
    )
}

fn floor_of(h: &Hasher) -> Duration {
    Duration::from_nanos(h.inner.floor.load(Ordering::Relaxed))
}

/// A scheme cheaper than one verification at the configured parameters holds its thread
/// until it has cost that much (lower bounds only: a loaded machine is only slower). The
/// first one, before any own verification, measures one on the stand-in first.
#[tokio::test]
async fn cheap_schemes_take_at_least_one_verification_at_the_configured_parameters() {
    let h = Hasher::new(8 * 1024, 2, 1, 1, 4, Metrics::new()).unwrap();
    let started = Instant::now();
    let first = h
        .verify(SecretString::from("pw"), ssha("pw"))
        .await
        .unwrap();
    assert!(first.matches && first.legacy_scheme == Some("ldap-ssha"));
    let calibrated = floor_of(&h);
    assert!(!calibrated.is_zero());
    assert!(started.elapsed() >= calibrated);

    let own = h.hash(SecretString::from("pw")).await.unwrap();
    h.verify(SecretString::from("pw"), own).await.unwrap();
    let floor = floor_of(&h);
    for password in ["pw", "wrong"] {
        let started = Instant::now();
        let v = h
            .verify(SecretString::from(password), ssha("pw"))
            .await
            .unwrap();
        assert_eq!(v.matches, password == "pw");
        assert!(started.elapsed() >= floor, "{password}");
    }
}
