//! Paging through EM's query service (`/api/query`) against the emulator: lazily, one GET per
//! page, in XML and JSON.

use futures::{StreamExt as _, TryStreamExt as _};
use restpoint_em::session::{EmFormat, EmSession};
use restpoint_em::{EntityReferences, Job};
use restpoint_emulator::{Emulator, EmulatorConfig, Product, defaults};
use restpoint_session::{Credentials, Error};

const QUERY: &str = "/api/query";

async fn start(format: EmFormat) -> (Emulator, EmSession) {
    let emulator = Emulator::start(EmulatorConfig::for_tests()).await.unwrap();
    let em = EmSession::builder(emulator.em_url())
        .credentials(Credentials::new(
            defaults::ADMIN_USER,
            defaults::ADMIN_PASSWORD,
        ))
        .ca_pem(emulator.ca_pem())
        .keep_alive(None)
        .format(format)
        .build()
        .await
        .unwrap();
    (emulator, em)
}

fn query_gets(emulator: &Emulator) -> u64 {
    emulator
        .admin()
        .counters()
        .requests(Product::Em, "GET", QUERY)
}

#[tokio::test]
async fn twenty_five_jobs_at_page_size_ten_take_three_gets() {
    for format in [EmFormat::Xml, EmFormat::Json] {
        let (emulator, em) = start(format).await;
        let listed: EntityReferences = em.get_resource("api/jobs").await.unwrap();
        assert_eq!(listed.ref_.len(), 25);
        let jobs: Vec<Job> = em.query_jobs().page_size(10).collect_all().await.unwrap();
        assert_eq!(query_gets(&emulator), 3, "{format:?}");
        let names: Vec<_> = jobs.iter().map(|job| job.name.clone()).collect();
        let expected: Vec<_> = listed.ref_.iter().map(|r| r.name.clone()).collect();
        assert_eq!(names, expected, "{format:?}: same jobs, same order");
        assert!(jobs.iter().all(|job| job.job_type.is_some()));
    }
}

#[tokio::test]
async fn a_partial_read_fetches_only_the_pages_it_needs() {
    let (emulator, em) = start(EmFormat::Xml).await;
    let first: Vec<Job> = em
        .query_jobs()
        .page_size(10)
        .into_stream()
        .take(12)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 12);
    assert_eq!(query_gets(&emulator), 2);
    let mut stream = em.query_jobs().page_size(10).into_stream();
    stream.next().await.unwrap().unwrap();
    assert_eq!(query_gets(&emulator), 3, "one more page for one item");
}

#[tokio::test]
async fn pages_end_at_pages_count_and_references_page_too() {
    let (emulator, em) = start(EmFormat::Json).await;
    // 25 jobs at page size 5: the last page is full, and PagesCount ends the stream without an
    // empty sixth page.
    let pages: Vec<_> = em
        .query_jobs()
        .page_size(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 5);
    assert_eq!(pages[4].total, Some(25));
    assert_eq!(query_gets(&emulator), 5);
    let refs = em
        .query_references("Job")
        .page_size(10)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(refs.len(), 25);
    assert!(
        refs.iter()
            .all(|r| r.type_.as_deref() == Some("JobReference"))
    );
    let repositories = em.query_repositories().collect_all().await.unwrap();
    assert_eq!(repositories.len(), 3);
    assert!(
        !em.query_backup_servers()
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_type_is_an_api_error_with_the_servers_message() {
    let (_emulator, em) = start(EmFormat::Xml).await;
    let error = em
        .query_references("Nothing")
        .collect_all()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    assert!(
        format!("{error:?}").contains("status: Some(400)"),
        "{error:?}"
    );
}
