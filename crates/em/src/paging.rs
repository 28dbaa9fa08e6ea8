//! Lazy paging over EM's query service: `GET /api/query?type=T&format=F&pageSize=N&page=P`.
//!
//! The query service answers one page at a time as a [`QueryResult`]: the items (`Refs` or
//! `Entities`) and a `PagingInfo` with `PageNum` (from 1), `PageSize` and `PagesCount`. A
//! [`Query`] turns it into a `Stream` of items on top of [`restpoint_session::paging`], asking
//! for the next page only when the previous one is used up:
//!
//! ```ignore
//! use futures::TryStreamExt as _;
//! let mut jobs = em.query_jobs().page_size(10).into_stream();
//! while let Some(job) = jobs.try_next().await? {
//!     println!("{:?}", job.name);
//! }
//! ```
//!
//! The stream ends after the page whose `PageNum` reaches `PagesCount`, or, without a
//! `PagingInfo`, after a page shorter than the page size or an empty page. An empty page while
//! `PageNum` is below `PagesCount` is `ProtocolViolation::InconsistentPaging`.

use std::marker::PhantomData;

use futures::StreamExt as _;
use restpoint_session::paging::{self, BoxStream, DEFAULT_PAGE_SIZE, Page};
use restpoint_session::{Error, Result};

use crate::QueryResult;
use crate::generated as g;
use crate::session::EmSession;

mod sealed {
    pub trait Sealed {}
}

/// An item the query service returns: an entity (`Job`, `BackupServer`, `Repository`, with
/// `format=Entities`) or a reference (`Ref`, with `format=References`).
pub trait Queried: sealed::Sealed + std::fmt::Debug + Send + Sized + 'static {
    /// The `format` parameter that returns this item.
    const FORMAT: &'static str;

    /// Takes this page's items out of a query result.
    fn items(result: QueryResult) -> Vec<Self>;
}

impl sealed::Sealed for g::ReferenceType {}

impl Queried for g::ReferenceType {
    const FORMAT: &'static str = "References";

    fn items(result: QueryResult) -> Vec<Self> {
        result.refs.map(|refs| refs.ref_).unwrap_or_default()
    }
}

/// An entity type of the query service, with its `type` parameter.
pub trait QueriedEntity: Queried {
    /// The `type` parameter (`Job`, `BackupServer`, `Repository`).
    const TYPE: &'static str;
}

macro_rules! queried_entity {
    ($item:ident, $type_name:literal, $list:ident . $field:ident) => {
        impl sealed::Sealed for g::$item {}

        impl Queried for g::$item {
            const FORMAT: &'static str = "Entities";

            fn items(result: QueryResult) -> Vec<Self> {
                result
                    .entities
                    .and_then(|entities| entities.$list)
                    .map(|list| list.$field)
                    .unwrap_or_default()
            }
        }

        impl QueriedEntity for g::$item {
            const TYPE: &'static str = $type_name;
        }
    };
}

queried_entity!(JobType, "Job", jobs.job);
queried_entity!(
    BackupServerType,
    "BackupServer",
    backup_servers.backup_server
);
queried_entity!(RepositoryType, "Repository", repositories.repository);

/// The address of one page of the query service, relative to the server's base URL.
pub fn query_href(type_name: &str, format: &str, page_size: u32, page: u64) -> String {
    let encode = |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let (type_name, format): (String, String) = (encode(type_name), encode(format));
    format!("api/query?type={type_name}&format={format}&pageSize={page_size}&page={page}")
}

/// One page as the paging core wants it: the items and, on the last page, the exact total; on
/// a page whose `PageNum` is below `PagesCount`, a total of at least one more item (so that an
/// empty page while the server says more pages remain is a typed error, as for VBR's `total`).
fn page_of<T: Queried>(result: QueryResult, skip: u64) -> Page<T> {
    let last = result
        .paging_info
        .as_ref()
        .and_then(|info| Some(info.page_num? >= info.pages_count?));
    let items = T::items(result);
    let seen = skip.saturating_add(items.len() as u64);
    let total = match last {
        Some(true) => Some(seen),
        Some(false) => Some(seen.saturating_add(1)),
        None => None,
    };
    Page::new(items, total)
}

/// A paged query of one type; build it with [`EmSession::query_jobs`] and its siblings.
#[must_use = "a query does nothing until it is streamed"]
pub struct Query<T> {
    session: EmSession,
    type_name: String,
    page_size: u32,
    max_items: u64,
    item: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Query<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("item", &std::any::type_name::<T>())
            .field("type_name", &self.type_name)
            .field("page_size", &self.page_size)
            .finish()
    }
}

impl<T: Queried> Query<T> {
    fn new(session: &EmSession, type_name: impl Into<String>) -> Self {
        Self {
            session: session.clone(),
            type_name: type_name.into(),
            page_size: DEFAULT_PAGE_SIZE,
            max_items: paging::MAX_ITEMS,
            item: PhantomData,
        }
    }

    /// Items per request (`pageSize`, at least 1); default [`DEFAULT_PAGE_SIZE`].
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The most items the stream yields (default [`paging::MAX_ITEMS`]); a server that pages
    /// on past it ends the stream with `ProtocolViolation::InconsistentPaging`.
    pub fn max_items(mut self, max_items: u64) -> Self {
        self.max_items = max_items;
        self
    }

    /// A stream of pages, fetched lazily; the last page carries the total.
    pub fn pages(self) -> BoxStream<'static, Page<T>> {
        let Self {
            session,
            type_name,
            page_size,
            max_items,
            ..
        } = self;
        paging::pages_up_to(page_size, max_items, move |skip, limit| {
            let session = session.clone();
            let href = query_href(&type_name, T::FORMAT, limit, skip / u64::from(limit) + 1);
            fetch_page::<T>(session, href, skip)
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

async fn fetch_page<T: Queried>(session: EmSession, href: String, skip: u64) -> Result<Page<T>> {
    let result: QueryResult = session.get_resource(&href).await?;
    Ok(page_of(result, skip))
}

impl EmSession {
    /// The jobs through the query service (`type=Job&format=Entities`), page by page.
    pub fn query_jobs(&self) -> Query<g::JobType> {
        self.query_entities()
    }

    /// The backup servers through the query service (`type=BackupServer&format=Entities`).
    pub fn query_backup_servers(&self) -> Query<g::BackupServerType> {
        self.query_entities()
    }

    /// The repositories through the query service (`type=Repository&format=Entities`).
    pub fn query_repositories(&self) -> Query<g::RepositoryType> {
        self.query_entities()
    }

    /// The entities of any [`QueriedEntity`] type through the query service.
    pub fn query_entities<T: QueriedEntity>(&self) -> Query<T> {
        Query::new(self, T::TYPE)
    }

    /// The references of a type (`Job`, `BackupServer`, ...) through the query service
    /// (`format=References`).
    pub fn query_references(&self, type_name: impl Into<String>) -> Query<g::ReferenceType> {
        Query::new(self, type_name)
    }
}
