//! The clock every expiry, idle timeout and poll interval in restpoint runs on.
//!
//! [`SystemClock`] is real time. [`ManualClock`] is virtual time: it moves only when a test (or
//! the conformance runner) calls [`ManualClock::advance`], so a 30-minute idle rule is checked in
//! milliseconds and no test ever sleeps for an expiry. The emulator and the session core take a
//! [`SharedClock`], so both sides of a test can run on the same virtual clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

/// A future returned by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of the current time and of sleeps measured on that time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time on this clock.
    fn now(&self) -> SystemTime;
    /// A future that completes once `duration` has passed on this clock.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// A clock shared between tasks, servers and clients.
pub type SharedClock = Arc<dyn Clock>;

/// Real wall-clock time; sleeps are tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    /// A [`SharedClock`] on real time.
    pub fn shared() -> SharedClock {
        Arc::new(SystemClock)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time that moves only when told to.
///
/// Cloning gives another handle on the same clock. A sleep completes when the clock has been
/// advanced past its deadline; with [`ManualClock::with_auto_advance`] a sleep advances the clock
/// itself, so a poll loop on virtual time finishes at once.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Inner>,
}

struct Inner {
    start: SystemTime,
    auto_advance: bool,
    /// Elapsed virtual time since `start`; a watch so sleepers wake when it moves.
    elapsed: watch::Sender<Duration>,
    /// Serialises advances so two concurrent advances never lose one another.
    advance_lock: Mutex<()>,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .field("auto_advance", &self.inner.auto_advance)
            .finish()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A virtual clock starting at the current real time; sleeps wait for [`advance`](Self::advance).
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now(), false)
    }

    /// A virtual clock on which every sleep advances the clock to its own deadline.
    pub fn with_auto_advance() -> Self {
        Self::starting_at(SystemTime::now(), true)
    }

    /// A virtual clock that starts at `start`.
    pub fn starting_at(start: SystemTime, auto_advance: bool) -> Self {
        let (elapsed, _) = watch::channel(Duration::ZERO);
        Self {
            inner: Arc::new(Inner {
                start,
                auto_advance,
                elapsed,
                advance_lock: Mutex::new(()),
            }),
        }
    }

    /// This clock as a [`SharedClock`].
    pub fn shared(&self) -> SharedClock {
        Arc::new(self.clone())
    }

    /// Moves the clock forward by `duration` and wakes every sleep whose deadline has passed.
    pub fn advance(&self, duration: Duration) {
        let _guard = self
            .inner
            .advance_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.inner.elapsed.send_modify(|elapsed| {
            *elapsed = elapsed.saturating_add(duration);
        });
    }

    /// Virtual time elapsed since the clock started.
    pub fn elapsed(&self) -> Duration {
        *self.inner.elapsed.borrow()
    }

    fn advance_to(&self, target: Duration) {
        let _guard = self
            .inner
            .advance_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.inner.elapsed.send_if_modified(|elapsed| {
            if *elapsed < target {
                *elapsed = target;
                true
            } else {
                false
            }
        });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.inner.start + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let clock = self.clone();
        let deadline = self.elapsed().saturating_add(duration);
        Box::pin(async move {
            if clock.inner.auto_advance {
                clock.advance_to(deadline);
                // Let other tasks observe the new time before the sleeper continues.
                tokio::task::yield_now().await;
                return;
            }
            let mut elapsed = clock.inner.elapsed.subscribe();
            // `wait_for` returns an error only if the sender is gone, and `clock` holds it.
            let _ = elapsed.wait_for(|now| *now >= deadline).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn advance_moves_now_and_wakes_sleepers() {
        let clock = ManualClock::new();
        let t0 = clock.now();
        let sleeper = tokio::spawn(clock.sleep(Duration::from_secs(30 * 60)));
        tokio::task::yield_now().await;
        clock.advance(Duration::from_secs(29 * 60));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before its deadline");
        clock.advance(Duration::from_secs(60));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("sleeper did not wake after its deadline")
            .unwrap();
        assert_eq!(
            clock.now().duration_since(t0).unwrap(),
            Duration::from_secs(30 * 60)
        );
    }

    #[tokio::test]
    async fn auto_advance_sleep_moves_the_clock() {
        let clock = ManualClock::with_auto_advance();
        let t0 = clock.now();
        clock.sleep(Duration::from_secs(900)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(900));
        assert_eq!(
            clock.now().duration_since(t0).unwrap(),
            Duration::from_secs(900)
        );
    }

    #[tokio::test]
    async fn system_clock_sleep_is_real() {
        let start = std::time::Instant::now();
        SystemClock.sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
    }
}
