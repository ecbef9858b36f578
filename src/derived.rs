//! Figures derived from many rows — campaign progress, a round's scores, evidence counts
//! per indicator — are computed once per change of the data instead of once per request.
//!
//! Every request that may change data (any method but GET, HEAD and OPTIONS) calls
//! [`Derived::changed`] when it has finished, which moves a generation counter; entries
//! are keyed by the generation, so the next read after a change recomputes. Keys also
//! carry the day (overdue counts move at midnight), and entries expire after
//! [`MAX_AGE`], which bounds how stale a figure can be when something outside this
//! process wrote to the database (a CLI command, a second server on the same database).
//! Concurrent readers of a missing entry wait for one computation instead of each
//! running it.

use std::any::{Any, TypeId};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

#[derive(Clone)]
pub struct Derived {
    generation: Arc<AtomicU64>,
    entries: moka::future::Cache<Key, Entry>,
}

impl Default for Derived {
    fn default() -> Self {
        Derived {
            generation: Arc::default(),
            entries: moka::future::Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }
}

impl Derived {
    /// Data changed: every figure computed before now is out of date.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
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
    /// runs moves the generation past this entry, so a half-old figure is never kept.
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
            generation: self.generation.load(Ordering::Acquire),
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
