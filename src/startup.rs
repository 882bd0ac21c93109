//! Builds everything — database pool and migrations, hashing pool, keys, routes — into a
//! running server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer, ResponseError};
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{Db, PoolUse};
use crate::error::{self, ApiError};
use crate::flows::console_sessions;
use crate::i18n::I18n;
use crate::mail::OutboxWorker;
use crate::metrics::Metrics;
use crate::middleware::{self, CorsOrigins, RouteTable};
use crate::openapi;
use crate::password::breach::Breach;
use crate::password::digest::DigestKey;
use crate::password::{Hasher, Policy};
use crate::routes;
use crate::state::AppState;
use crate::throttle::{self, AddressLimit};
use crate::webhooks::{self, SecretBox, WebhookWorker};

mod shutdown;

/// Connects to the database (applying pending migrations), starts the hashing pool and
/// loads the keys: everything the server needs besides its listeners.
pub async fn build_state(settings: Settings) -> anyhow::Result<web::Data<AppState>> {
    build_state_for(settings, PoolUse::Server).await
}

/// The same for a one-shot command (`migrate`, `import`, `reset-password`, …): its pool
/// opens connections only on demand (see [`PoolUse::Command`]).
pub async fn build_command_state(settings: Settings) -> anyhow::Result<web::Data<AppState>> {
    build_state_for(settings, PoolUse::Command).await
}

async fn build_state_for(
    settings: Settings,
    usage: PoolUse,
) -> anyhow::Result<web::Data<AppState>> {
    // The message files and the breach corpus first: a damaged file stops start-up before
    // the database is touched.
    let i18n = Arc::new(I18n::load(&settings.i18n)?);
    let metrics = Metrics::new();
    let corpus_settings = settings.policy.clone();
    let checks = metrics.breach_checks_total.clone();
    // Checking the corpus reads the whole file: off the async workers.
    let breach =
        tokio::task::spawn_blocking(move || Breach::from_settings(&corpus_settings, checks))
            .await??;
    let db = Db::connect_for(&settings.database, usage)
        .map_err(|e| anyhow::anyhow!("cannot open the database (PASSGATE__DATABASE__URL): {e}"))?;
    let migrator = db.clone();
    tokio::task::spawn_blocking(move || migrator.migrate()).await??;

    let hasher = Hasher::new(
        settings.hashing.memory_kib,
        settings.hashing.iterations,
        settings.hashing.parallelism,
        settings.hashing_threads(),
        settings.hashing_queue(),
        metrics.clone(),
    )?;
    let clock = Clock::system();
    let (jwt, generated) = JwtKeys::from_settings(
        &settings.jwt,
        &settings.previous_public_key_files(),
        clock.clone(),
    )?;
    if generated {
        tracing::warn!(
            "PASSGATE__JWT__SECRET is not set: using a random per-process secret. Tokens die \
             on restart and are not accepted by other instances. Set it for real use."
        );
    }
    // A stand-in hash to verify against when there is no real one (see `unmatchable_phc`).
    let dummy_hash = hasher.unmatchable_phc()?;
    let trusted_proxies = settings.server.trusted_proxies.0.clone();
    let webhook_secrets = SecretBox::from_config(
        settings.webhooks.secret_key.as_deref(),
        settings.jwt.secret.as_deref(),
    );
    if webhook_secrets.built_in {
        tracing::warn!(
            "neither PASSGATE__WEBHOOKS__SECRET_KEY nor PASSGATE__JWT__SECRET is set: webhook \
             signing secrets are sealed with a built-in key, which only obscures them. Set \
             PASSGATE__WEBHOOKS__SECRET_KEY for real use."
        );
    }
    Ok(web::Data::new(AppState {
        policy: Policy::from_settings(&settings.policy),
        breach,
        reset_limiter: AddressLimit::reset_requests(&settings),
        api_key_limiter: AddressLimit::failed_api_keys(&settings),
        digest_key: DigestKey::from_config(
            settings.lockout.digest_key.as_deref(),
            settings.jwt.secret.as_deref(),
        ),
        outbox_wake: Arc::new(Notify::new()),
        webhook_wake: Arc::new(Notify::new()),
        webhook_secrets,
        settings: Arc::new(settings),
        db,
        hasher,
        jwt,
        metrics,
        dummy_hash,
        trusted_proxies,
        pauses: Default::default(),
        draining: Default::default(),
        clock,
        i18n,
    }))
}

pub struct Application {
    port: u16,
    management_port: u16,
    server: Server,
    management: ServerHandle,
    management_task: JoinHandle<std::io::Result<()>>,
    state: web::Data<AppState>,
    worker: JoinHandle<()>,
    webhook_worker: Option<JoinHandle<()>>,
    stop_worker: watch::Sender<bool>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.server.host,
                    settings.server.port
                )
            })?;
        let management =
            TcpListener::bind((settings.management.host.as_str(), settings.management.port))
                .map_err(|e| {
                    anyhow::anyhow!(
                        "cannot listen on {}:{} (PASSGATE__MANAGEMENT__HOST / PORT): {e}",
                        settings.management.host,
                        settings.management.port
                    )
                })?;
        let state = build_state(settings).await?;
        Self::from_parts(listener, management, state)
    }

    /// The public listener serves the API and pages; the management listener `/metrics`,
    /// `/healthz` and `/readyz` only.
    pub fn from_parts(
        listener: TcpListener,
        management: TcpListener,
        state: web::Data<AppState>,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let management_port = management.local_addr()?.port();
        let server = run(listener, state.clone())?;
        let management = run_management(management, state.clone())?;
        let management_handle = management.handle();
        let management_task = tokio::spawn(management);
        let worker = OutboxWorker::new(
            state.db.clone(),
            state.settings.clone(),
            state.metrics.clone(),
            state.outbox_wake.clone(),
            state.clock.clone(),
        )?;
        let (stop_worker, stopped) = watch::channel(false);
        tokio::spawn(sweep_limits(state.clone(), stopped.clone()));
        let webhook_worker = if state.settings.webhooks.deliver {
            let hooks = WebhookWorker::new(
                state.db.clone(),
                state.settings.webhooks.clone(),
                state.metrics.clone(),
                state.webhook_wake.clone(),
                state.clock.clone(),
                state.webhook_secrets.clone(),
            )?;
            Some(tokio::spawn(hooks.run(stopped.clone())))
        } else {
            None
        };
        let worker = tokio::spawn(worker.run(stopped));
        Ok(Self {
            port,
            management_port,
            server,
            management: management_handle,
            management_task,
            state,
            worker,
            webhook_worker,
            stop_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn management_port(&self) -> u16 {
        self.management_port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until the server stops (SIGTERM/SIGINT: `/readyz` turns 503, and after the
    /// shutdown delay in-flight requests finish; see `shutdown`), then stops the management
    /// listener and the outbox worker after the message it is sending.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.management.stop(true).await;
        let _ = self.management_task.await;
        let _ = self.stop_worker.send(true);
        let _ = self.worker.await;
        if let Some(hooks) = self.webhook_worker {
            let _ = hooks.await;
        }
        result
    }
}

fn run(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let max_body = settings.server.max_body_bytes;
    let pages_enabled = settings.pages.enabled;
    let console_served = settings.pages.console_served();
    let origins = web::Data::new(CorsOrigins(settings.cors.allowed_origins.0.clone()));
    let spec = web::Data::new(routes::health::ServedSpec(openapi::SPEC_JSON.as_str()));
    let route_table = web::Data::new(RouteTable::new(openapi::documented_routes()));
    let stop = shutdown::requested(state.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(origins.clone())
            .app_data(spec.clone())
            .app_data(route_table.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(|err, _| error::json_error(err).into()),
            )
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(
                web::QueryConfig::default().error_handler(|err, _| error::query_error(err).into()),
            )
            .app_data(
                web::PathConfig::default().error_handler(|err, _| error::path_error(err).into()),
            )
            .configure(routes::configure)
            .configure(|cfg| {
                if pages_enabled {
                    crate::pages::configure(cfg);
                }
                if console_served {
                    crate::pages::console::configure(cfg);
                } else {
                    // Switched off, the console is absent: every /admin path, whatever the
                    // method, is not found (no 405 naming what it would have served).
                    cfg.service(web::scope("/admin").default_service(web::to(|| async {
                        ApiError::NotFound.error_response()
                    })));
                }
            })
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .service(SwaggerUi::new("/docs/{_:.*}").config(SwaggerConfig::from("/openapi.json")))
            .default_service(web::to(middleware::fallback))
            .wrap(from_fn(middleware::guard_body))
            .wrap(from_fn(middleware::cors))
            .wrap(from_fn(middleware::observe))
    })
    .workers(settings.http_workers())
    // Headers must arrive within this; the body has its own deadline (`guard_body`).
    .client_request_timeout(Duration::from_secs(5))
    .shutdown_timeout(settings.server.shutdown_timeout_secs)
    .shutdown_signal(stop)
    .listen(listener)?
    .run();
    Ok(server)
}

/// The management listener: metrics and probes for the operator's network. Its signals are
/// the public server's: it stops when that one has.
fn run_management(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(routes::health::healthz)
            .service(routes::health::readyz)
            .service(routes::health::metrics)
            .default_service(web::to(|| async { ApiError::NotFound.error_response() }))
            .wrap(from_fn(middleware::guard_body))
            .wrap(from_fn(middleware::observe))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .client_request_timeout(Duration::from_secs(5))
    .listen(listener)?
    .run();
    Ok(server)
}

/// Removes expired throttling state (see `throttle::sweep`), ended console sessions and
/// webhook rows past their retention (see `webhooks::retention`) now and then, until
/// stopped.
async fn sweep_limits(state: web::Data<AppState>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(throttle::SWEEP_EVERY) => {}
            _ = stop.changed() => return,
        }
        let sweeper = state.clone();
        let swept = state
            .db
            .run(move |c| {
                let limits = [&sweeper.reset_limiter, &sweeper.api_key_limiter];
                let now = sweeper.clock.now();
                let swept = throttle::sweep(c, &sweeper.settings, &limits, now)?;
                let swept = swept + console_sessions::sweep(c, &sweeper.settings.console, now)?;
                Ok::<_, ApiError>(
                    swept + webhooks::retention::sweep(c, &sweeper.settings.webhooks, now)?,
                )
            })
            .await;
        if let Err(e) = swept {
            tracing::warn!(error = %e, "sweeping expired state failed");
        }
    }
}
