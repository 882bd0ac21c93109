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
