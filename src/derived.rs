//! Figures derived from many rows — campaign progress, a round's scores, evidence counts
//! per indicator — are computed once per change of the data instead of once per request.
//!
//! Every request that may change data (any method but GET, HEAD and OPTIONS) calls
//! [`Derived::changed_by`] when it has finished, which moves a generation counter;
//! entries are keyed by a generation, so a read after a change recomputes. Keys also
//! carry the day (overdue counts move at midnight), and entries expire after
//! [`MAX_AGE`], which bounds how stale a figure can be when something outside this
//! process wrote to the database (a CLI command, a second server on the same database).
//! Concurrent readers of a missing entry wait for one computation instead of each
//! running it.
//!
//! On a deadline day the campaign sees dozens of writes a second; recomputing every
//! dashboard after each of them kept two cores busy with the same sums. So readers see
//! the *published* generation, which follows the counter at most once per `refresh`
//! (`SHIAN_FIGURES_REFRESH_MS`, 1 s by default): figures lag other people's changes by
//! at most that long. The writer is the exception: a browser (or API token) that has
//! just written reads at the newest generation until the published one catches up, so
//! whoever changed something sees the change on the very next page.

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

/// The longest a derived figure is served without recomputing.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// Entries kept at most (a campaign needs a few dozen: one per organisation dashboard,
/// one per round and so on).
const CAPACITY: u64 = 4_096;

type Entry = Arc<dyn Any + Send + Sync>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    what: &'static str,
    /// The stored type is part of the key, so a lookup can never find another type.
    type_id: TypeId,
    ids: [i64; 2],
    generation: u64,
    day: NaiveDate,
}

/// Who is reading or writing: a hash of the session cookie or API token, never the
/// secret itself. Set for the length of a request by [`Derived::scope`].
pub type Client = u64;

tokio::task_local! {
    static CLIENT: Option<Client>;
}

/// The generation readers see, and when it last moved.
struct Published {
    generation: u64,
    at: Instant,
}

#[derive(Clone)]
pub struct Derived {
    /// Moves on every change.
    generation: Arc<AtomicU64>,
    published: Arc<Mutex<Published>>,
    refresh: Duration,
    /// The generation each recent writer's own change made.
    writers: moka::sync::Cache<Client, u64>,
    entries: moka::future::Cache<Key, Entry>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .field("refresh", &self.refresh)
            .finish_non_exhaustive()
    }
}

impl Default for Derived {
    /// Figures follow every change at once (no coalescing).
    fn default() -> Self {
        Derived::new(Duration::ZERO)
    }
}

impl Derived {
    /// Figures follow other people's changes at most `refresh` late.
    pub fn new(refresh: Duration) -> Self {
        Derived {
            generation: Arc::default(),
            published: Arc::new(Mutex::new(Published {
                generation: 0,
                at: Instant::now(),
            })),
            refresh,
            writers: moka::sync::Cache::builder()
                .max_capacity(CAPACITY)
                // Long enough to outlive any refresh interval, after which the
                // published generation has caught up anyway.
                .time_to_live(refresh.max(Duration::from_secs(1)) * 2)
                .build(),
            entries: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }

    /// Runs `request` with `client` as the reader and writer of figures.
    pub async fn scope<F: Future>(client: Option<Client>, request: F) -> F::Output {
        CLIENT.scope(client, request).await
    }

    /// Data changed: every figure computed before now is out of date.
    pub fn changed(&self) {
        self.changed_by(None);
    }

    /// Data changed through `client`, which from now on reads figures that include it.
    pub fn changed_by(&self, client: Option<Client>) {
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        if let Some(client) = client {
            self.writers.insert(client, generation);
        }
    }

    /// The generation the current reader's figures are keyed by.
    fn reading_generation(&self) -> u64 {
        let newest = self.generation.load(Ordering::Acquire);
        if self.refresh.is_zero() {
            return newest;
        }
        let published = {
            let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
            if published.generation != newest && published.at.elapsed() >= self.refresh {
                published.generation = newest;
                published.at = Instant::now();
            }
            published.generation
        };
        let own_change = CLIENT
            .try_with(|client| *client)
            .ok()
            .flatten()
            .and_then(|client| self.writers.get(&client));
        match own_change {
            Some(generation) if generation > published => newest,
            _ => published,
        }
    }

    /// The figure `what` of object `id` (a campaign, a round, an organisation), computed
    /// by `compute` if the data changed since it was last computed.
    pub async fn get<T, E, F, Fut>(
        &self,
        what: &'static str,
        id: i64,
        compute: F,
    ) -> Result<Arc<T>, Arc<E>>
    where
        T: Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_for(what, [id, 0], compute).await
    }

    /// [`Derived::get`] for a figure of two objects (a round and a group, say).
    ///
    /// The generation is read before computing: a change committed while `compute`
    /// runs moves the generation past this entry, so a figure older than its key is
    /// never kept.
    /// Errors are not kept; the next reader tries again.
    pub async fn get_for<T, E, F, Fut>(
        &self,
        what: &'static str,
        ids: [i64; 2],
        compute: F,
    ) -> Result<Arc<T>, Arc<E>>
    where
        T: Send + Sync + 'static,
        E: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = Key {
            what,
            type_id: TypeId::of::<T>(),
            ids,
            generation: self.reading_generation(),
            day: china_today(),
        };
        let entry = self
            .entries
            .try_get_with(key, async {
                compute().await.map(|value| Arc::new(value) as Entry)
            })
            .await?;
        Ok(entry
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("entries are keyed by their type")))
    }
}

/// Today in China Standard Time (UTC+8, no daylight saving), where every campaign is.
fn china_today() -> NaiveDate {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::Utc::now().with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[tokio::test]
    async fn computes_once_per_change() {
        let derived = Derived::default();
        let runs = AtomicUsize::new(0);
        let compute = || async { Ok::<_, anyhow::Error>(runs.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*derived.get("n", 1, compute).await.unwrap(), 0);
        assert_eq!(*derived.get("n", 1, compute).await.unwrap(), 0);
        // Another object has its own entry.
        assert_eq!(*derived.get("n", 2, compute).await.unwrap(), 1);
        derived.changed();
        assert_eq!(*derived.get("n", 1, compute).await.unwrap(), 2);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn others_see_changes_once_per_refresh_and_the_writer_at_once() {
        let derived = Derived::new(Duration::from_secs(1));
        let runs = AtomicUsize::new(0);
        let compute = || async { Ok::<_, anyhow::Error>(runs.fetch_add(1, Ordering::SeqCst)) };
        let (writer, reader) = (Some(1), Some(2));
        let read = |client| {
            let derived = derived.clone();
            let compute = &compute;
            async move {
                *Derived::scope(client, derived.get("n", 1, compute))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(read(reader).await, 0);
        // A burst of changes by the writer right after the figure was published.
        derived.changed_by(writer);
        derived.changed_by(writer);
        assert_eq!(read(reader).await, 0, "others keep the published figure");
        assert_eq!(read(writer).await, 1, "the writer sees its own change");
        assert_eq!(read(writer).await, 1, "and computes it once");
        assert_eq!(read(None).await, 0);
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        // After the refresh interval everyone sees the newest figure: the one the writer
        // already computed, not a new computation.
        assert_eq!(read(reader).await, 1);
        assert_eq!(read(writer).await, 1);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let derived = Derived::default();
        let failed: Result<Arc<i32>, _> = derived
            .get("e", 1, || async {
                Err::<i32, _>(anyhow::anyhow!("database gone"))
            })
            .await;
        assert!(failed.unwrap_err().to_string().contains("database gone"));
        let value = derived
            .get("e", 1, || async { Ok::<_, anyhow::Error>(7) })
            .await;
        assert_eq!(*value.unwrap(), 7);
        // Another type under the same name is another figure.
        let text = derived
            .get("e", 1, || async { Ok::<_, anyhow::Error>("seven") })
            .await;
        assert_eq!(*text.unwrap(), "seven");
    }
}
