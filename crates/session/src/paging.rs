//! Lazy paging: a [`Stream`] of items over any `skip/limit` list operation.
//!
//! The product crates supply one closure that fetches one page (`skip`, `limit`) and reads the
//! product's envelope into a [`Page`]; this module turns it into a stream that asks for the next
//! page only when the previous one is consumed.
//!
//! When the server reports a total, the stream trusts it: it ends once `skip` reaches the total,
//! and a page shorter than the page size does not end it while the total says more remain.
//! Without a total, a short or empty page ends it. A server that cannot be trusted ends the
//! stream with a typed [`ProtocolViolation::InconsistentPaging`], never an endless loop: an empty
//! page while its total says more remain, a page that repeats the previous one, or more than
//! [`MAX_ITEMS`] items. An error ends the stream after it is yielded.
//!
//! ```text
//! use futures::TryStreamExt as _;
//! let all: Vec<Job> = restpoint_session::paging::items(50, move |skip, limit| {
//!     let vbr = vbr.clone();
//!     async move { /* fetch one page */ }
//! })
//! .try_collect()
//! .await?;
//! ```

use std::future::Future;
use std::pin::Pin;

use futures::stream::{self, Stream, StreamExt as _};

use crate::error::{Context, Error, ProtocolViolation, Result};

/// The most items one stream yields before it ends with an error (a server that pages forever):
/// a million, more than the largest real inventories (restore points, sessions) hold, few enough
/// that `collect_all()` stays within memory. Lists that may be longer set their own cap
/// (`max_items`).
pub const MAX_ITEMS: u64 = 1_000_000;

/// A boxed stream of results, as the product crates return them.
pub type BoxStream<'a, T> = Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>;

/// The page size used when none is set.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// One page of a list: its items and, when the server says, the total over all pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page, in the server's order.
    pub items: Vec<T>,
    /// The number of items over all pages, if the server reported it.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page with its items and the reported total.
    pub fn new(items: Vec<T>, total: Option<u64>) -> Self {
        Self { items, total }
    }
}

struct Cursor<F> {
    fetch: F,
    skip: u64,
    done: bool,
    previous: Option<u64>,
}

/// A hash of the items' `Debug` form, fed to the hasher without building a string: tells a
/// repeated page from a new one.
fn fingerprint<T: std::fmt::Debug>(items: &[T]) -> u64 {
    use std::hash::Hasher as _;
    struct Feed(std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Feed {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut feed = Feed(std::collections::hash_map::DefaultHasher::new());
    let _ = std::fmt::write(&mut feed, format_args!("{items:?}"));
    feed.0.finish()
}

fn inconsistent(reason: &'static str, skip: u64) -> Error {
    Error::protocol(
        Context::new("paging", "next page"),
        ProtocolViolation::InconsistentPaging { reason, skip },
    )
}

/// A stream of pages: `fetch(skip, limit)` is called for each page, lazily, with `limit` =
/// `page_size` (at least 1).
pub fn pages<T, F, Fut>(page_size: u32, fetch: F) -> impl Stream<Item = Result<Page<T>>>
where
    T: std::fmt::Debug,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    pages_up_to(page_size, MAX_ITEMS, fetch)
}

/// Like [`pages`], with another cap than [`MAX_ITEMS`]: past `max_items` items the stream ends
/// with [`ProtocolViolation::InconsistentPaging`] (a caller who knows its lists stay small
/// stops a server that pages forever early, and keeps `collect_all` from gathering millions).
pub fn pages_up_to<T, F, Fut>(
    page_size: u32,
    max_items: u64,
    fetch: F,
) -> impl Stream<Item = Result<Page<T>>>
where
    T: std::fmt::Debug,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let limit = page_size.max(1);
    let cursor = Cursor {
        fetch,
        skip: 0,
        done: false,
        previous: None,
    };
    stream::unfold(cursor, move |mut cursor| async move {
        if cursor.done {
            return None;
        }
        let skip = cursor.skip;
        tracing::trace!(skip, limit, "fetching a page");
        match (cursor.fetch)(skip, limit).await {
            Ok(page) => {
                let n = page.items.len() as u64;
                let more_by_total = page.total.map(|total| skip < total);
                if n == 0 {
                    cursor.done = true;
                    if more_by_total == Some(true) {
                        let error =
                            inconsistent("empty page while the total says more remain", skip);
                        return Some((Err(error), cursor));
                    }
                    return Some((Ok(page), cursor));
                }
                let print = fingerprint(&page.items);
                if cursor.previous == Some(print) {
                    cursor.done = true;
                    return Some((
                        Err(inconsistent("page repeats the previous one", skip)),
                        cursor,
                    ));
                }
                cursor.previous = Some(print);
                cursor.skip = skip.saturating_add(n);
                if cursor.skip > max_items {
                    cursor.done = true;
                    return Some((
                        Err(inconsistent("more items than a stream yields", skip)),
                        cursor,
                    ));
                }
                cursor.done = match page.total {
                    // Trusted: a short page does not end the list while the total says more.
                    Some(total) => cursor.skip >= total,
                    None => n < u64::from(limit),
                };
                Some((Ok(page), cursor))
            }
            Err(error) => {
                cursor.done = true;
                Some((Err(error), cursor))
            }
        }
    })
}

/// A stream of the items of all pages, fetched lazily `page_size` at a time.
pub fn items<T, F, Fut>(page_size: u32, fetch: F) -> impl Stream<Item = Result<T>>
where
    T: std::fmt::Debug,
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    pages(page_size, fetch).flat_map(|page| match page {
        Ok(page) => stream::iter(page.items.into_iter().map(Ok).collect::<Vec<_>>()),
        Err(error) => stream::iter(vec![Err(error)]),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::TryStreamExt as _;

    use super::*;
    use crate::error::{Context, Error, ProtocolViolation};

    fn fake(
        n_items: u64,
        report_total: bool,
        calls: Arc<AtomicU32>,
    ) -> impl FnMut(u64, u32) -> std::future::Ready<Result<Page<u64>>> {
        move |skip, limit| {
            calls.fetch_add(1, Ordering::SeqCst);
            let items: Vec<u64> = (skip..n_items).take(limit as usize).collect();
            std::future::ready(Ok(Page::new(items, report_total.then_some(n_items))))
        }
    }

    #[tokio::test]
    async fn all_items_in_order_with_one_request_per_page() {
        for (n_items, total, expected_calls) in [
            (25, true, 3),
            (25, false, 3),
            (30, true, 3),  // the total ends it without an empty page
            (30, false, 4), // without a total, an empty page ends it
            (0, true, 1),
        ] {
            let calls = Arc::new(AtomicU32::new(0));
            let all: Vec<u64> = items(10, fake(n_items, total, calls.clone()))
                .try_collect()
                .await
                .unwrap();
            assert_eq!(all, (0..n_items).collect::<Vec<_>>());
            assert_eq!(
                calls.load(Ordering::SeqCst),
                expected_calls,
                "{n_items} {total}"
            );
        }
    }

    /// Pages of `served(skip, limit)` with a total of `total`.
    fn server(
        total: Option<u64>,
        served: impl Fn(u64, u32) -> Vec<u64>,
        calls: Arc<AtomicU32>,
    ) -> impl FnMut(u64, u32) -> std::future::Ready<Result<Page<u64>>> {
        move |skip, limit| {
            calls.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(Page::new(served(skip, limit), total)))
        }
    }

    fn paging_error(result: &Result<u64>) -> Option<&'static str> {
        match result {
            Err(Error::Protocol {
                violation: ProtocolViolation::InconsistentPaging { reason, .. },
                ..
            }) => Some(reason),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_short_page_does_not_end_the_stream_while_the_total_says_more_remain() {
        // The server caps pages at 7 items whatever the limit asked (10); total 25.
        let calls = Arc::new(AtomicU32::new(0));
        let capped = |skip: u64, limit: u32| (skip..25).take(limit.min(7) as usize).collect();
        let all: Vec<u64> = items(10, server(Some(25), capped, calls.clone()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_total_that_lies_ends_in_a_typed_error() {
        // Total 100, but only 15 items exist: the empty page at 15 contradicts it.
        let calls = Arc::new(AtomicU32::new(0));
        let short = |skip: u64, limit: u32| (skip..15).take(limit as usize).collect();
        let results: Vec<Result<u64>> = items(10, server(Some(100), short, calls.clone()))
            .collect()
            .await;
        assert_eq!(results.len(), 16);
        assert_eq!(
            paging_error(&results[15]),
            Some("empty page while the total says more remain")
        );
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_repeated_page_ends_in_a_typed_error_not_an_endless_loop() {
        // The server ignores `skip` and always answers the first page, with and without a total.
        for total in [Some(1_000_000), None] {
            let calls = Arc::new(AtomicU32::new(0));
            let first = |_: u64, limit: u32| (0..u64::from(limit)).collect();
            let results: Vec<Result<u64>> = items(10, server(total, first, calls.clone()))
                .collect()
                .await;
            assert_eq!(results.len(), 11, "{total:?}");
            assert_eq!(
                paging_error(&results[10]),
                Some("page repeats the previous one")
            );
            assert_eq!(calls.load(Ordering::SeqCst), 2);
        }
    }

    #[tokio::test]
    async fn pages_are_fetched_lazily() {
        let calls = Arc::new(AtomicU32::new(0));
        let first: Vec<u64> = items(10, fake(1000, true, calls.clone()))
            .take(15)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(first.len(), 15);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_error_ends_the_stream() {
        let mut n = 0;
        let results: Vec<Result<u32>> = items(2, move |_, _| {
            n += 1;
            std::future::ready(if n == 1 {
                Ok(Page::new(vec![1, 2], None))
            } else {
                Err(Error::protocol(
                    Context::new("test", "list"),
                    ProtocolViolation::UnexpectedStatus,
                ))
            })
        })
        .collect()
        .await;
        assert_eq!(results.len(), 3);
        assert!(results[2].is_err());
    }
}
