//! Password hashing with argon2id. Hashing takes tens of milliseconds on purpose, so it
//! runs on threads of its own and never stalls the async runtime.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use rand::Rng;

pub const MIN_LENGTH: usize = 8;

/// Threads that hash. Each argon2id run holds 19 MiB, and the allocator keeps that much
/// for every thread that ever ran one: on the blocking pool (hundreds of threads) a
/// burst of logins left hundreds of megabytes behind. Two fixed threads bound it to two
/// blocks, and more parallel runs than this machine's cores would finish no sooner.
const HASHING_THREADS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The queue in front of the hashing threads, started on first use.
fn hashing_queue() -> &'static mpsc::Sender<Job> {
    static QUEUE: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    QUEUE.get_or_init(|| {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..HASHING_THREADS {
            let receiver = Arc::clone(&receiver);
            let started = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match receiver.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A panicking job fails its own request (its answer is
                            // dropped), not the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = started {
                tracing::error!("cannot start a password hashing thread: {e}");
            }
        }
        sender
    })
}

/// Runs `work` on a hashing thread once one is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (done, result) = tokio::sync::oneshot::channel();
    hashing_queue()
        .send(Box::new(move || {
            let _ = done.send(work());
        }))
        .map_err(|_| anyhow::anyhow!("no password hashing thread is running"))?;
    Ok(result.await?)
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Checks `password` against a stored PHC hash; a malformed hash counts as a mismatch.
pub async fn verify(password: String, stored_hash: String) -> bool {
    hashing(move || {
        PasswordHash::new(&stored_hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the username is unknown so that
/// a failed login takes the same time whether or not the account exists.
pub async fn dummy_hash() -> String {
    hash(generate()).await.unwrap_or_default()
}

/// Why a proposed password is refused; the web layer turns it into a localised message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weakness {
    TooShort,
    SameAsUsername,
    NoVariety,
}

pub fn check_strength(password: &str, username: &str) -> Result<(), Weakness> {
    if password.chars().count() < MIN_LENGTH {
        return Err(Weakness::TooShort);
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(Weakness::SameAsUsername);
    }
    let has_letter = password.chars().any(|c| c.is_alphabetic());
    let has_other = password.chars().any(|c| !c.is_alphabetic());
    if !(has_letter && has_other) {
        return Err(Weakness::NoVariety);
    }
    Ok(())
}

/// A temporary password for new or reset accounts: easy to read aloud, no look-alikes.
pub fn generate() -> String {
    grouped_code(
        b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789",
        3,
    )
}

/// `groups` groups of four random symbols of `alphabet`, joined by hyphens (`abcd-efgh`):
/// temporary passwords and two-factor recovery codes, both read off a screen or paper.
pub fn grouped_code(alphabet: &[u8], groups: usize) -> String {
    let mut rng = rand::thread_rng();
    let mut out = String::with_capacity(groups * 5);
    for group in 0..groups {
        if group > 0 {
            out.push('-');
        }
        for _ in 0..4 {
            out.push(alphabet[rng.gen_range(0..alphabet.len())] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse 1".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse 1".into(), h.clone()).await);
        assert!(!verify("correct horse 2".into(), h).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn strength_rules() {
        assert_eq!(check_strength("short1", "u"), Err(Weakness::TooShort));
        assert_eq!(
            check_strength("Alice2026", "alice2026"),
            Err(Weakness::SameAsUsername)
        );
        assert_eq!(check_strength("abcdefghij", "u"), Err(Weakness::NoVariety));
        assert_eq!(check_strength("12345678", "u"), Err(Weakness::NoVariety));
        assert!(check_strength("食安创建2026", "u").is_ok());
        let generated = generate();
        assert!(check_strength(&generated, "u").is_ok(), "{generated}");
    }
}
