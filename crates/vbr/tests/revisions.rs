//! VBR-13: the typed client decodes the emulator's answers in every revision the emulator
//! accepts (each revision answers in its own models: `VSphereBackup` vs `Backup`, fields added
//! in 1.3, enumerations capitalised from 1.3-rev1).

use restpoint_emulator::{Emulator, EmulatorConfig, defaults};
use restpoint_session::Credentials;
use restpoint_vbr::VbrSession;

/// Every revision a VBR server serves (VBR-13).
const REVISIONS: &[&str] = &[
    "1.0-rev1", "1.0-rev2", "1.1-rev0", "1.1-rev1", "1.1-rev2", "1.2-rev0", "1.2-rev1", "1.3-rev0",
    "1.3-rev1", "1.3-rev2",
];

#[tokio::test]
async fn every_accepted_revision_decodes() {
    let emulator = Emulator::start(
        EmulatorConfig::for_tests().with_vbr_api_versions(REVISIONS.iter().copied()),
    )
    .await
    .expect("emulator starts");
    let mut decoded = 0;
    for rev in REVISIONS {
        let session = VbrSession::builder(emulator.vbr_url())
            .credentials(Credentials::new(
                defaults::ADMIN_USER,
                defaults::ADMIN_PASSWORD,
            ))
            .ca_pem(emulator.ca_pem())
            .clock(emulator.clock().expect("virtual clock").shared())
            .api_version(*rev)
            .build()
            .await
            .unwrap_or_else(|e| panic!("logon with {rev}: {e}"));
        let vbr = session.client();
        let info = vbr
            .api()
            .get_server_info()
            .send()
            .await
            .unwrap_or_else(|e| panic!("serverInfo with {rev}: {e}"));
        assert!(!info.build_version.is_empty());
        let jobs = vbr
            .api()
            .get_all_jobs()
            .send()
            .await
            .unwrap_or_else(|e| panic!("jobs with {rev}: {e}"));
        assert!(!jobs.data.is_empty());
        let job_id = jobs.data[0].id;
        let job = vbr
            .api()
            .get_job()
            .id(job_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("job with {rev}: {e}"));
        assert_eq!(job.id, job_id);
        if decoded == 0 {
            vbr.api()
                .start_job()
                .id(job_id)
                .send()
                .await
                .unwrap_or_else(|e| panic!("start with {rev}: {e}"));
        }
        let sessions = vbr
            .api()
            .get_all_sessions()
            .send()
            .await
            .unwrap_or_else(|e| panic!("sessions with {rev}: {e}"));
        let session_id = sessions.data.first().expect("a session").id;
        vbr.api()
            .get_session()
            .id(session_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("session with {rev}: {e}"));
        let backups = vbr
            .api()
            .get_all_backups()
            .send()
            .await
            .unwrap_or_else(|e| panic!("backups with {rev}: {e}"));
        let backup_id = backups.data.first().expect("a backup").id;
        vbr.api()
            .get_backup()
            .id(backup_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("backup with {rev}: {e}"));
        let repositories = vbr
            .api()
            .get_all_repositories()
            .send()
            .await
            .unwrap_or_else(|e| panic!("repositories with {rev}: {e}"));
        let repository_id = repositories.data.first().expect("a repository").id;
        vbr.api()
            .get_repository()
            .id(repository_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("repository with {rev}: {e}"));
        decoded += 1;
    }
    println!("decoded serverInfo, jobs, sessions, backups, repositories in {decoded} revisions");
    assert_eq!(decoded, REVISIONS.len());
}
