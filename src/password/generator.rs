use rand::rngs::OsRng;
use rand::Rng;
use secrecy::SecretString;

/// No look-alikes (0/O, 1/l/I) so a temporary password can be read aloud or retyped.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Length of generated temporary passwords: 20 characters from a 56-symbol alphabet is
/// about 116 bits, comfortably above any policy minimum.
pub const GENERATED_LENGTH: usize = 20;

/// A temporary password from the OS CSPRNG, grouped in fives for reading (`xxxxx-xxxxx-…`).
pub fn generate_temporary_password() -> SecretString {
    let mut rng = OsRng;
    let mut out = String::with_capacity(GENERATED_LENGTH + GENERATED_LENGTH / 5);
    for i in 0..GENERATED_LENGTH {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    SecretString::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn generated_passwords_are_long_distinct_and_unambiguous() {
        let a = generate_temporary_password();
        let b = generate_temporary_password();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(a.expose_secret().chars().count() >= 16);
        assert!(!a.expose_secret().chars().any(|c| "0O1lI".contains(c)));
    }
}
