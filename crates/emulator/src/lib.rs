#![doc = include_str!("../README.md")]
// Handlers return a finished error `Response` as the `Err` of their helpers; boxing it would
// only add an allocation on the error path.
#![allow(clippy::result_large_err)]

mod admin;
pub mod behaviour;
mod breaks;
mod common;
pub mod config;
pub mod defaults;
mod em;
pub mod hygiene;
pub mod inventory;
mod jobs;
mod memory;
pub mod profile;
pub mod spec_driven;
pub mod standalone;
mod state;
mod tls;
mod vbr;
mod xml;
mod zvm;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use tokio::task::JoinHandle;
use url::Url;

pub use admin::{Admin, NotVirtual};
pub use behaviour::{Behaviour, EmTokenForm, VbrMissingVersion, ZvmKind};
pub use breaks::Break;
pub use config::{EmRole, EmulatorConfig, Lifetimes, Limits, TlsSource, User, Vbr401Body, VbrRole};
pub use hygiene::{HygieneReport, HygieneSettings};
pub use inventory::Inventory;
pub use memory::set_memory_release;
pub use profile::{Profile, UnknownProfile};
pub use state::{Counters, Fault, Product, ProductCounters};

/// VBR API revisions ([`vbr_revision::ApiRevision`]), at their public path of before the
/// `vbr` module was split.
pub use vbr::revision as vbr_revision;

/// The VBR spec documents the emulator publishes at `/swagger/v<revision>/swagger.json`.
pub use vbr::spec as vbr_spec;

use state::{Bases, State};

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A listener could not bind its port.
    #[error("cannot listen on {addr} for {product}")]
    Bind {
        /// Product of the listener (`EM`, `VBR`, `ZVM` or `admin`).
        product: &'static str,
        /// Address tried.
        addr: SocketAddr,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The certificate could not be generated.
    #[error("cannot generate the TLS certificate")]
    CertGeneration(#[source] rcgen::Error),
    /// The certificate or key files could not be read or used.
    #[error("cannot use the TLS certificate and key")]
    Tls(#[source] std::io::Error),
}

/// A running emulator: three HTTPS listeners (EM, VBR, ZVM) and an optional admin listener.
///
/// Dropping it stops the listeners; [`Emulator::shutdown`] stops them and waits.
pub struct Emulator {
    st: Arc<State>,
    em_url: Url,
    vbr_url: Url,
    zvm_url: Url,
    admin_url: Option<Url>,
    ca_pem: String,
    handles: Vec<Handle<SocketAddr>>,
    tasks: Vec<JoinHandle<()>>,
    purge_task: JoinHandle<()>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("em_url", &self.em_url.as_str())
            .field("vbr_url", &self.vbr_url.as_str())
            .field("zvm_url", &self.zvm_url.as_str())
            .field("admin_url", &self.admin_url.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

fn bind(product: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    let listener = TcpListener::bind(addr).map_err(|source| StartError::Bind {
        product,
        addr,
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Bind {
            product,
            addr,
            source,
        })?;
    Ok(listener)
}

fn port_of(l: &TcpListener) -> u16 {
    l.local_addr().map(|a| a.port()).unwrap_or(0)
}

fn local_url(scheme: &str, port: u16) -> Url {
    // A syntactically fixed string: parsing cannot fail.
    Url::parse(&format!("{scheme}://localhost:{port}/"))
        .unwrap_or_else(|_| Url::parse("https://localhost/").expect("static URL"))
}

/// Lower-cases the path before routing (EM and ZVM paths are case-insensitive, ZVM-08; VBR's
/// ASP.NET routing is too) and removes a final slash.
fn normalized(router: Router) -> Router {
    Router::new().fallback_service(tower::ServiceExt::map_request(
        router,
        common::normalize_path,
    ))
}

/// `router` with the hygiene report's observing layer outside everything else.
fn with_hygiene(st: &Arc<State>, product: Product, router: Router) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        (st.clone(), product),
        hygiene::observe::observe,
    ))
}

/// The three products' routers (EM, VBR, ZVM, in that order) over one fresh state and no
/// listener, with the same path normalisation as the servers: for driving the request handling
/// in process (the fuzz targets of `fuzz/`, the hardening tests). Not part of the stable API.
#[doc(hidden)]
pub fn router_for_fuzzing(config: &EmulatorConfig) -> [(Product, Router); 3] {
    let bases = Bases {
        em: "https://localhost:9398".to_owned(),
        zvm: "https://localhost:9669".to_owned(),
    };
    let st = Arc::new(State::new(config, bases));
    [
        (Product::Em, normalized(em::router(st.clone()))),
        (Product::Vbr, normalized(vbr::router(st.clone()))),
        (Product::Zvm, normalized(zvm::router(st))),
    ]
}

impl Emulator {
    /// Binds the listeners, makes or reads the certificate, and starts serving.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, StartError> {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let material = match &config.tls {
            TlsSource::Generate => tls::generate().map_err(StartError::CertGeneration)?,
            TlsSource::PemFiles { cert, key } => tls::load(cert, key).map_err(StartError::Tls)?,
        };
        let rustls_config = RustlsConfig::from_pem(
            material.chain_pem.clone().into_bytes(),
            material.key_pem.clone().into_bytes(),
        )
        .await
        .map_err(StartError::Tls)?;

        let em_l = bind("EM", SocketAddr::new(config.bind, config.em_port))?;
        let vbr_l = bind("VBR", SocketAddr::new(config.bind, config.vbr_port))?;
        let zvm_l = bind("ZVM", SocketAddr::new(config.bind, config.zvm_port))?;
        let admin_l = match config.admin_port {
            Some(port) => Some(bind(
                "admin",
                SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), port),
            )?),
            None => None,
        };
        let em_url = local_url("https", port_of(&em_l));
        let vbr_url = local_url("https", port_of(&vbr_l));
        let zvm_url = local_url("https", port_of(&zvm_l));
        let admin_url = admin_l.as_ref().map(|l| local_url("http", port_of(l)));
        let trim = |u: &Url| u.as_str().trim_end_matches('/').to_string();
        let bases = Bases {
            em: trim(&em_url),
            zvm: trim(&zvm_url),
        };
        let st = Arc::new(State::new(&config, bases));

        let mut handles = Vec::new();
        let mut tasks = Vec::new();
        for (product, listener, router) in [
            (
                "EM",
                em_l,
                with_hygiene(&st, Product::Em, em::router(st.clone())),
            ),
            (
                "VBR",
                vbr_l,
                with_hygiene(&st, Product::Vbr, vbr::router(st.clone())),
            ),
            (
                "ZVM",
                zvm_l,
                with_hygiene(&st, Product::Zvm, zvm::router(st.clone())),
            ),
        ] {
            // The path normalisation of `normalized`, without a second Router in front; each
            // connection's peer address goes into the request (the hygiene report's
            // connections).
            let service = tower::ServiceExt::map_request(router, common::normalize_path);
            let service = tower::service_fn(move |peer: SocketAddr| {
                let service = service.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(tower::ServiceExt::map_request(
                        service,
                        move |mut req: http::Request<hyper::body::Incoming>| {
                            req.extensions_mut()
                                .insert(axum::extract::ConnectInfo(peer));
                            req
                        },
                    ))
                }
            });
            let handle: Handle<SocketAddr> = Handle::new();
            let addr = listener
                .local_addr()
                .unwrap_or_else(|_| SocketAddr::new(config.bind, 0));
            let mut server = axum_server::from_tcp_rustls(listener, rustls_config.clone())
                .map_err(|source| StartError::Bind {
                    product,
                    addr,
                    source,
                })?
                .handle(handle.clone());
            server
                .http_builder()
                .http1()
                .max_buf_size(st.limits.header_bytes.max(8192) * 4);
            tasks.push(tokio::spawn(async move {
                if let Err(e) = server.serve(service).await {
                    tracing::error!(product, error = %e, "listener stopped");
                }
            }));
            handles.push(handle);
        }
        if let Some(listener) = admin_l {
            let handle: Handle<SocketAddr> = Handle::new();
            let router = admin::router(Admin { st: st.clone() });
            let addr = listener
                .local_addr()
                .unwrap_or_else(|_| SocketAddr::new(config.bind, 0));
            let server = axum_server::from_tcp(listener)
                .map_err(|source| StartError::Bind {
                    product: "admin",
                    addr,
                    source,
                })?
                .handle(handle.clone());
            tasks.push(tokio::spawn(async move {
                if let Err(e) = server.serve(router.into_make_service()).await {
                    tracing::error!(error = %e, "admin listener stopped");
                }
            }));
            handles.push(handle);
        }
        // Lazy cleanup happens on use; this also frees memory of sessions nobody touches again.
        let purge_state = Arc::downgrade(&st);
        let purge_task = tokio::spawn(async move {
            let mut interval = tokio::time::interval(Duration::from_secs(30));
            interval.tick().await;
            loop {
                interval.tick().await;
                match purge_state.upgrade() {
                    Some(st) => {
                        st.purge_expired();
                        memory::release_memory();
                    }
                    None => break,
                }
            }
        });
        tracing::info!(em = %em_url, vbr = %vbr_url, zvm = %zvm_url, "emulator started");
        Ok(Emulator {
            st,
            em_url,
            vbr_url,
            zvm_url,
            admin_url,
            ca_pem: material.ca_pem,
            handles,
            tasks,
            purge_task,
        })
    }

    /// EM base URL, `https://localhost:PORT/`; the API is under `/api/`.
    pub fn em_url(&self) -> Url {
        self.em_url.clone()
    }

    /// VBR base URL, `https://localhost:PORT/`; paths `/api/oauth2/...`, `/api/v1/...`.
    pub fn vbr_url(&self) -> Url {
        self.vbr_url.clone()
    }

    /// ZVM base URL, `https://localhost:PORT/`; paths `/v1/...` and `/auth/realms/zerto/...`.
    pub fn zvm_url(&self) -> Url {
        self.zvm_url.clone()
    }

    /// Admin listener URL (`http://localhost:PORT/`, loopback only), if one was configured.
    pub fn admin_url(&self) -> Option<Url> {
        self.admin_url.clone()
    }

    /// PEM of the certificate clients must trust (the generated CA, or the configured chain).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The virtual clock, when the emulator runs on one.
    pub fn clock(&self) -> Option<&restpoint_clock::ManualClock> {
        self.st.manual.as_ref()
    }

    /// Advances virtual time; on real time it logs an error and does nothing.
    pub fn advance(&self, d: Duration) {
        if self.admin().advance(d).is_err() {
            tracing::error!("advance ignored: the emulator runs on real time");
        }
    }

    /// The session-hygiene report of every client seen so far (see [`hygiene`]).
    pub fn hygiene(&self) -> HygieneReport {
        self.admin().hygiene()
    }

    /// In-process control: users, lifetimes, versions, faults, revocation, counters.
    pub fn admin(&self) -> Admin {
        Admin {
            st: self.st.clone(),
        }
    }

    /// Stops every listener and waits for them to end.
    pub async fn shutdown(mut self) {
        self.purge_task.abort();
        for h in &self.handles {
            h.graceful_shutdown(Some(Duration::from_secs(1)));
        }
        let tasks = std::mem::take(&mut self.tasks);
        for t in tasks {
            if t.is_finished() {
                continue;
            }
            let abort = t.abort_handle();
            if tokio::time::timeout(Duration::from_secs(3), t)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for h in &self.handles {
            h.shutdown();
        }
        for t in &self.tasks {
            t.abort();
        }
        self.purge_task.abort();
    }
}
