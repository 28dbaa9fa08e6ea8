//! Issue 15, fix 4, through VBR's paging entry point: a server that caps its pages below the
//! asked `limit` still yields every item while its `pagination.total` says more remain, and a
//! server that ignores `skip` ends in a typed error instead of an endless stream.

use futures::{StreamExt as _, TryStreamExt as _};
use restpoint_session::paging::Page;
use restpoint_session::{Error, ProtocolViolation};
use restpoint_vbr::paging::{Envelope, stream};

/// A list answer: items and the reported total.
struct Answer(Vec<u32>, Option<u64>);

impl Envelope for Answer {
    type Item = u32;

    fn into_page(self) -> Page<u32> {
        Page::new(self.0, self.1)
    }
}

#[tokio::test]
async fn pages_capped_by_the_server_do_not_end_the_stream_early() {
    let all: Vec<u32> = stream(10, |skip: i32, limit: i32| async move {
        let items = (skip as u32..25).take(limit.min(7) as usize).collect();
        Ok::<_, Error>(Answer(items, Some(25)))
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(all, (0..25).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_server_that_ignores_skip_ends_in_a_typed_error() {
    let results: Vec<_> = stream(5, |_skip: i32, limit: i32| async move {
        Ok::<_, Error>(Answer((0..limit as u32).collect(), Some(1_000)))
    })
    .collect()
    .await;
    assert_eq!(results.len(), 6);
    assert!(matches!(
        results.last(),
        Some(Err(Error::Protocol {
            violation: ProtocolViolation::InconsistentPaging { .. },
            ..
        }))
    ));
}
