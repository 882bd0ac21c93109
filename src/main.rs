use std::process::ExitCode;

use clap::Parser;
use passgate::cli::{BreachCorpusCommand, Cli, Command, ImportMode};
use passgate::config::Settings;
use passgate::domain::Parsed;
use passgate::flows::api_keys::{self, Creator};
use passgate::flows::break_glass;
use passgate::flows::users::create_or_promote_admin;
use passgate::password::breach::{self, build::BuildOptions};
use passgate::startup::{build_command_state, Application};
use passgate::{openapi, telemetry};
use secrecy::{ExposeSecret, SecretString};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::SPEC_JSON.as_str());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if let Some(Command::BreachCorpus(BreachCorpusCommand::Build { out, inputs, plain })) =
        &cli.command
    {
        // No database, no runtime: a build is a file transformation.
        return build_breach_corpus(out, inputs, *plain, settings.policy.breach_min_count);
    }
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(
                port = app.port(),
                management_port = app.management_port(),
                "passgate listening"
            );
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            build_command_state(settings).await?;
            println!("migrations applied");
        }
        Command::Openapi => unreachable!("handled before configuration is loaded"),
        Command::BreachCorpus(_) => unreachable!("handled before the runtime starts"),
        Command::CreateAdmin { email, password } => {
            let state = build_command_state(settings).await?;
            let (created, is_new) =
                create_or_promote_admin(&state, &email, password.map(SecretString::from))
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("{}", e.reported().problem().detail_with_errors())
                    })?;
            if is_new {
                println!("created admin {} ({})", created.user.email, created.user.id);
            } else {
                println!(
                    "gave the admin role to {} ({})",
                    created.user.email, created.user.id
                );
            }
            if let Some(password) = created.temporary_password {
                println!("temporary password (change it at first sign-in): {password}");
            }
        }
        Command::CreateApiKey {
            name,
            roles,
            expires_in_days,
        } => {
            let state = build_command_state(settings).await?;
            let created = api_keys::create(
                &state,
                Creator::CommandLine,
                Parsed::from_raw(name),
                Parsed::from_raw(roles),
                expires_in_days,
                Default::default(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.reported().problem().detail_with_errors()))?;
            eprintln!(
                "created API key {} ({}) with roles {}",
                created.name,
                created.id,
                created.roles.join(", ")
            );
            println!("{}", created.key);
        }
        Command::Import {
            file,
            mode,
            dry_run,
        } => {
            let state = build_command_state(settings).await?;
            import_file(&state, &file, mode, dry_run).await?;
        }
        Command::Export => {
            let state = build_command_state(settings).await?;
            export_all(&state).await?;
        }
        Command::ResetPassword { email } => {
            let state = build_command_state(settings).await?;
            let reset = break_glass::reset_password(&state, &email)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.reported().problem().detail_with_errors()))?;
            eprintln!(
                "reset the password of {} ({}): sessions revoked, lockouts cleared; the \
                 temporary password below must be changed at the next sign-in{}",
                reset.email,
                reset.user_id,
                reset
                    .expires_at
                    .map(|t| format!(" and expires at {}", t.to_rfc3339()))
                    .unwrap_or_default()
            );
            if reset.disabled {
                eprintln!("note: the account is disabled; enable it before signing in");
            }
            println!("{}", reset.temporary_password.expose_secret());
        }
    }
    Ok(())
}

fn build_breach_corpus(
    out: &std::path::Path,
    inputs: &[std::path::PathBuf],
    plain: bool,
    min_count: u64,
) -> ExitCode {
    let options = BuildOptions {
        plain,
        min_count,
        progress: true,
    };
    match breach::build::build(out, inputs, options) {
        Ok(r) => {
            if r.malformed > 0 {
                eprintln!(
                    "skipped {} malformed lines (the first at {})",
                    r.malformed,
                    r.first_malformed.as_deref().unwrap_or("?")
                );
            }
            eprintln!(
                "wrote {}: {} entries from {} lines ({} below the minimum count), {} shards, \
                 {} bytes ({:.2} per entry)",
                out.display(),
                r.entries,
                r.lines,
                r.below_min_count,
                r.shards,
                r.bytes,
                r.bytes as f64 / r.entries.max(1) as f64
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `passgate import FILE`: the import flow over the file, read in chunks (never whole).
async fn import_file(
    state: &passgate::state::AppState,
    file: &std::path::Path,
    mode: ImportMode,
    dry_run: bool,
) -> anyhow::Result<()> {
    use passgate::flows::imports::{self, Actor, Mode, Options};
    use std::io::{Read, Write};
    let max_bytes = state.settings.import.max_body_bytes;
    let too_large = || {
        anyhow::anyhow!(
            "{}: larger than PASSGATE__IMPORT__MAX_BODY_BYTES ({max_bytes} bytes); raise it or \
             split the file",
            file.display()
        )
    };
    // A file's size is known: one over the limit is refused before anything is written
    // (standard input is counted as it is read, like a chunked body).
    if std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() > max_bytes) {
        return Err(too_large());
    }
    let reader: Box<dyn Read> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        let opened = std::fs::File::open(file);
        Box::new(opened.map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?)
    };
    let chunks = futures_util::stream::unfold(reader, |mut reader| async move {
        let mut buf = vec![0u8; 256 * 1024];
        match reader.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), reader))
            }
            Err(e) => Some((Err(e), reader)),
        }
    });
    let chunks = futures_util::StreamExt::map(chunks, |c| {
        c.map_err(|e| passgate::error::ApiError::Malformed(format!("reading the file: {e}").into()))
    });
    let options = Options {
        mode: match mode {
            ImportMode::Create => Mode::Create,
            ImportMode::Upsert => Mode::Upsert,
        },
        dry_run,
        // The same limit as the route's: what an import holds grows with its lines (the
        // emails already read, see `imports`), so a file is bounded like a body.
        max_bytes,
        origin: Default::default(),
    };
    let started = std::time::Instant::now();
    let report = imports::run(state, Actor::CommandLine, options, chunks, |s| {
        eprint!(
            "\r{} lines: {} created, {} updated, {} failed ({:.0} lines/s)",
            s.received,
            s.created,
            s.updated,
            s.failed,
            s.received as f64 / started.elapsed().as_secs_f64().max(0.001)
        );
    })
    .await
    .map_err(|e| match e {
        passgate::error::ApiError::PayloadTooLarge => too_large(),
        e => anyhow::anyhow!("{}", e.reported().problem().detail_with_errors()),
    })?;
    eprintln!(
        "{}",
        if dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    Ok(())
}

/// `passgate export`: every user as NDJSON on standard output.
async fn export_all(state: &passgate::state::AppState) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    use passgate::flows::{exports, imports::Actor};
    use std::io::Write;
    let stream = exports::export(state, Actor::CommandLine, Default::default())
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.reported().problem().detail_with_errors()))?;
    let mut stream = std::pin::pin!(stream);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut lines = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| anyhow::anyhow!("{}", e.reported().problem().detail))?;
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
        out.write_all(&chunk)?;
        eprint!("\r{lines} users exported");
    }
    out.flush()?;
    eprintln!("\r{lines} users exported");
    Ok(())
}
