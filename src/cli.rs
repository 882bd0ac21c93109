//! The command line: `serve` (default), `migrate`, `openapi`, `create-admin`,
//! `create-api-key`, `reset-password`, `import`, `export`, `breach-corpus build`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "passgate",
    version,
    about = "Password-management identity service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Create an admin, or give an existing user the admin role.
    CreateAdmin {
        #[arg(long)]
        email: String,
        /// A password usable as it is. Without it, a temporary password is generated,
        /// printed once, and must be changed at first sign-in.
        #[arg(long)]
        password: Option<String>,
    },
    /// Print a new API key, to bootstrap automation without anyone's password.
    CreateApiKey {
        #[arg(long)]
        name: String,
        /// A role for the key (repeatable): user, password_admin or admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Break-glass: give a user a fresh temporary password (printed alone on stdout), revoke
    /// their sessions and clear every lockout of the account. For an operator with shell
    /// access when no admin can sign in; audited with the command line as the actor.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Import users from an NDJSON file (`-`: standard input), as
    /// `POST /v1/admin/user-imports` does, with a progress line on standard error; audited
    /// with the command line as the actor. Prints the report (JSON) on standard output.
    Import {
        file: PathBuf,
        /// `create`: an existing email is a conflict; `upsert`: it is updated.
        #[arg(long, value_enum, default_value = "create")]
        mode: ImportMode,
        /// Check every line and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Export every user as NDJSON on standard output (the import format, hashes as
    /// stored), with a progress line on standard error; audited `users.exported`.
    Export,
    /// The breached-password corpus (PASSGATE__POLICY__BREACH_CORPUS_FILE).
    #[command(subcommand)]
    BreachCorpus(BreachCorpusCommand),
}

#[derive(Debug, Subcommand)]
pub enum BreachCorpusCommand {
    /// Build a corpus file from Pwned Passwords files (`SHA1HEX:COUNT` lines, any order and
    /// case, `.gz` welcome) or, with --plain, from plain password lists (one per line).
    /// Entries with a count below PASSGATE__POLICY__BREACH_MIN_COUNT are left out.
    Build {
        /// The corpus file to write (replaced only once complete).
        out: PathBuf,
        /// Input files.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Every input is a plain password list.
        #[arg(long)]
        plain: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportMode {
    Create,
    Upsert,
}
