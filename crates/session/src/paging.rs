//! Lazy paging: a [`Stream`] of items over any `skip/limit` list operation.
//!
//! The product crates supply one closure that fetches one page (`skip`, `limit`) and reads the
//! product's envelope into a [`Page`]; this module turns it into a stream that asks for the next
//! page only when the previous one is consumed. The stream ends after a page shorter than the
//! page size, an empty page, or once `skip` reaches the total the server reported. An error
//! ends the stream after it is yielded.
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

use crate::error::Result;

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
}

/// A stream of pages: `fetch(skip, limit)` is called for each page, lazily, with `limit` =
/// `page_size` (at least 1).
pub fn pages<T, F, Fut>(page_size: u32, fetch: F) -> impl Stream<Item = Result<Page<T>>>
where
    F: FnMut(u64, u32) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    let limit = page_size.max(1);
    let cursor = Cursor {
        fetch,
        skip: 0,
        done: false,
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
                cursor.skip = skip.saturating_add(n);
                cursor.done = n == 0
                    || n < u64::from(limit)
                    || page.total.is_some_and(|total| cursor.skip >= total);
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
