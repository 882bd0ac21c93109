//! Where messages go: SMTP (lettre, async on tokio) or, in development, standard output.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransport};

pub enum Transport {
    /// Prints each message to standard output (development only; refused in production).
    Log,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

pub struct Outgoing<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// A delivery failure; `permanent` ones (an address lettre cannot use) are not retried.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

impl Transport {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        Ok(match settings.transport {
            MailTransport::Log => Transport::Log,
            MailTransport::Smtp => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)?
                    .timeout(Some(Duration::from_secs(settings.send_timeout_secs)))
                    .build(),
            ),
        })
    }

    pub async fn send(&self, from: &Mailbox, mail: Outgoing<'_>) -> Result<(), SendError> {
        let to: Mailbox = mail.to.parse().map_err(|e| SendError {
            message: format!("unusable recipient address: {e}"),
            permanent: true,
        })?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.to_owned())
            .map_err(|e| SendError {
                message: format!("cannot build the message: {e}"),
                permanent: true,
            })?;
        match self {
            Transport::Log => {
                println!("---- mail (log transport) to {} ----\nSubject: {}\n\n{}\n---- end of mail ----", mail.to, mail.subject, mail.body);
                Ok(())
            }
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
        }
    }
}
