use std::process::ExitCode;

use clap::Parser;
use passgate::cli::{BreachCorpusCommand, Cli, Command};
use passgate::config::Settings;
use passgate::domain::Parsed;
use passgate::flows::api_keys::{self, Creator};
use passgate::flows::break_glass;
use passgate::flows::users::create_or_promote_admin;
use passgate::password::breach::{self, build::BuildOptions};
use passgate::startup::{build_state, Application};
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
            build_state(settings).await?;
            println!("migrations applied");
        }
        Command::Openapi => unreachable!("handled before configuration is loaded"),
        Command::BreachCorpus(_) => unreachable!("handled before the runtime starts"),
        Command::CreateAdmin { email, password } => {
            let state = build_state(settings).await?;
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
            let state = build_state(settings).await?;
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
        Command::ResetPassword { email } => {
            let state = build_state(settings).await?;
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
