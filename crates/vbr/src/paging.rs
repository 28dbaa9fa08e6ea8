//! Lazy paging over VBR's list operations: `skip`/`limit` in, `{data, pagination}` out.
//!
//! [`VbrPaging`] gives the typed client one listing per paged collection (jobs, sessions,
//! backups, repositories); each is a [`List`] with a page size and an optional name filter that
//! becomes a `Stream` of items, fetching the next page only when the previous one is used up:
//!
//! ```ignore
//! use futures::TryStreamExt as _;
//! use restpoint_vbr::paging::VbrPaging as _;
//! let mut jobs = vbr.jobs().page_size(10).into_stream();
//! while let Some(job) = jobs.try_next().await? {
//!     println!("{}", job.name);
//! }
//! ```
//!
//! For a list call with other filters (a session `stateFilter`, say), [`stream`] pages any call
//! that answers an [`Envelope`]:
//!
//! ```ignore
//! let running = restpoint_vbr::paging::stream(50, move |skip, limit| {
//!     let vbr = vbr.clone();
//!     async move {
//!         vbr.api()
//!             .get_all_sessions()
//!             .state_filter(ESessionState::Working)
//!             .skip(skip)
//!             .limit(limit)
//!             .send()
//!             .await
//!     }
//! });
//! ```
//!
//! `skip` and `limit` are `i32` on the wire; a page size above `i32::MAX` is capped.

use std::future::Future;
use std::marker::PhantomData;

use futures::StreamExt as _;
use restpoint_session::paging::{self, BoxStream, DEFAULT_PAGE_SIZE, Page};
use restpoint_session::{Error, Result};

use crate::VbrClient;
use crate::generated::types;

/// A list answer of VBR: a page of items and where it sits in the whole result.
pub trait Envelope {
    /// The item type (`JobModel`, `SessionModel`, ...).
    type Item: std::fmt::Debug;

    /// The items and the reported total.
    fn into_page(self) -> Page<Self::Item>;
}

fn total(pagination: &types::PaginationResult) -> Option<u64> {
    u64::try_from(pagination.total).ok()
}

macro_rules! envelope {
    ($result:ident, $item:ident) => {
        impl Envelope for types::$result {
            type Item = types::$item;

            fn into_page(self) -> Page<types::$item> {
                let total = total(&self.pagination);
                Page::new(self.data, total)
            }
        }
    };
}

envelope!(JobsResult, JobModel);
envelope!(SessionsResult, SessionModel);
envelope!(BackupsResult, BackupModel);
envelope!(RepositoriesResult, RepositoryModel);

/// `skip` and `limit` as VBR's `i32` query parameters.
fn wire(skip: u64, limit: u32) -> (i32, i32) {
    (
        i32::try_from(skip).unwrap_or(i32::MAX),
        i32::try_from(limit).unwrap_or(i32::MAX),
    )
}

/// A stream of the items of any paged VBR list call: `fetch(skip, limit)` is called lazily for
/// each page of `page_size` items.
pub fn stream<R, F, Fut>(
    page_size: u32,
    mut fetch: F,
) -> impl futures::Stream<Item = Result<R::Item>>
where
    R: Envelope,
    F: FnMut(i32, i32) -> Fut,
    Fut: Future<Output = Result<R>>,
{
    paging::items(page_size, move |skip, limit| {
        let (skip, limit) = wire(skip, limit);
        let page = fetch(skip, limit);
        async move { page.await.map(Envelope::into_page) }
    })
}

mod sealed {
    pub trait Sealed {}
}

/// An item of a collection that [`VbrPaging`] lists. Implemented for `JobModel`,
/// `SessionModel`, `BackupModel` and `RepositoryModel`.
pub trait Listed: sealed::Sealed + std::fmt::Debug + Send + Sized + 'static {
    /// Fetches one page.
    fn fetch(
        client: &VbrClient,
        skip: i32,
        limit: i32,
        name_filter: Option<&str>,
    ) -> impl Future<Output = Result<Page<Self>>> + Send;
}

macro_rules! listed {
    ($item:ident, $call:ident) => {
        impl sealed::Sealed for types::$item {}

        impl Listed for types::$item {
            async fn fetch(
                client: &VbrClient,
                skip: i32,
                limit: i32,
                name_filter: Option<&str>,
            ) -> Result<Page<Self>> {
                let mut call = client.api().$call().skip(skip).limit(limit);
                if let Some(filter) = name_filter {
                    call = call.name_filter(filter.to_owned());
                }
                call.send().await.map(Envelope::into_page)
            }
        }
    };
}

listed!(JobModel, get_all_jobs);
listed!(SessionModel, get_all_sessions);
listed!(BackupModel, get_all_backups);
listed!(RepositoryModel, get_all_repositories);

/// A paged listing of one collection; build it with [`VbrPaging`].
#[must_use = "a listing does nothing until it is streamed"]
pub struct List<T> {
    client: VbrClient,
    page_size: u32,
    name_filter: Option<String>,
    max_items: u64,
    item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("List")
            .field("item", &std::any::type_name::<T>())
            .field("page_size", &self.page_size)
            .field("name_filter", &self.name_filter)
            .finish()
    }
}

impl<T: Listed> List<T> {
    fn new(client: &VbrClient) -> Self {
        Self {
            client: client.clone(),
            page_size: DEFAULT_PAGE_SIZE,
            max_items: paging::MAX_ITEMS,
            name_filter: None,
            item: PhantomData,
        }
    }

    /// Items per request (`limit`); default [`DEFAULT_PAGE_SIZE`].
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// Only items whose name matches (`nameFilter`, `*` as a wildcard).
    pub fn name_filter(mut self, filter: impl Into<String>) -> Self {
        self.name_filter = Some(filter.into());
        self
    }

    /// The most items the stream yields (default [`paging::MAX_ITEMS`]); a server that pages
    /// on past it ends the stream with `ProtocolViolation::InconsistentPaging`.
    pub fn max_items(mut self, max_items: u64) -> Self {
        self.max_items = max_items;
        self
    }

    /// A stream of pages, each with the server's total.
    pub fn pages(self) -> BoxStream<'static, Page<T>> {
        let Self {
            client,
            page_size,
            name_filter,
            max_items,
            ..
        } = self;
        paging::pages_up_to(page_size, max_items, move |skip, limit| {
            let client = client.clone();
            let name_filter = name_filter.clone();
            async move {
                let (skip, limit) = wire(skip, limit);
                T::fetch(&client, skip, limit, name_filter.as_deref()).await
            }
        })
        .boxed()
    }

    /// A stream of the items of all pages, fetched lazily.
    pub fn into_stream(self) -> BoxStream<'static, T> {
        self.pages()
            .flat_map(|page| {
                futures::stream::iter(match page {
                    Ok(page) => page.items.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(error) => vec![Err::<T, Error>(error)],
                })
            })
            .boxed()
    }

    /// Every item, page by page.
    pub async fn collect_all(self) -> Result<Vec<T>> {
        use futures::TryStreamExt as _;
        self.into_stream().try_collect().await
    }
}

/// The paged listings of the typed VBR client.
pub trait VbrPaging {
    /// `GET /api/v1/jobs`, page by page.
    fn jobs(&self) -> List<types::JobModel>;
    /// `GET /api/v1/sessions`, page by page (newest first on the emulator).
    fn sessions(&self) -> List<types::SessionModel>;
    /// `GET /api/v1/backups`, page by page.
    fn backups(&self) -> List<types::BackupModel>;
    /// `GET /api/v1/backupInfrastructure/repositories`, page by page.
    fn repositories(&self) -> List<types::RepositoryModel>;
}

impl VbrPaging for VbrClient {
    fn jobs(&self) -> List<types::JobModel> {
        List::new(self)
    }

    fn sessions(&self) -> List<types::SessionModel> {
        List::new(self)
    }

    fn backups(&self) -> List<types::BackupModel> {
        List::new(self)
    }

    fn repositories(&self) -> List<types::RepositoryModel> {
        List::new(self)
    }
}
