//! Every user-facing string of the hosted pages, in one place (for wording and translation).

pub const FORGOT_TITLE: &str = "Forgot your password?";
pub const FORGOT_INTRO: &str = "Enter the email address of your account. If it belongs to an account, we will email you a link to choose a new password.";
pub const FORGOT_SUBMIT: &str = "Email me a link";
pub const FORGOT_SENT_TITLE: &str = "Check your inbox";
pub const FORGOT_SENT_BODY: &str = "If that address belongs to an account, a link to reset its password is on its way. The link works once and expires soon. Nothing arrived? Check your spam folder, or ask again in a few minutes.";

pub const RESET_TITLE: &str = "Choose a new password";
pub const RESET_SUBMIT: &str = "Set my new password";
pub const RESET_DONE_TITLE: &str = "Your password is set";
pub const RESET_DONE_BODY: &str = "You can now sign in with your new password. Every other session of your account was signed out.";
pub const LINK_DEAD_TITLE: &str = "This link no longer works";
pub const LINK_DEAD_BODY: &str =
    "Reset links work once and expire after a while, and a newer link replaces older ones.";
pub const LINK_DEAD_ACTION: &str = "Ask for a new link";

pub const CHANGE_TITLE: &str = "Change your password";
pub const CHANGE_INTRO: &str = "Use this page to replace a temporary password from your administrator, or your current password.";
pub const CHANGE_SUBMIT: &str = "Change my password";
pub const CHANGE_DONE_TITLE: &str = "Your password is changed";
pub const CHANGE_DONE_BODY: &str =
    "Sign in with your new password. Every other session of your account was signed out.";

pub const LABEL_EMAIL: &str = "Email address";
pub const LABEL_CURRENT: &str = "Current or temporary password";
pub const LABEL_NEW: &str = "New password";
pub const LABEL_CONFIRM: &str = "New password, again";
pub const POLICY_HEADING: &str = "Your new password";

pub const ERROR_EMAIL: &str = "Enter a valid email address.";
pub const ERROR_REQUIRED: &str = "This field is required.";
pub const ERROR_MISMATCH: &str = "The two new passwords are not the same.";
pub const ERROR_CREDENTIALS: &str = "The email address or current password is not correct.";
pub const ERROR_LOCKED: &str = "Too many failed attempts. Try again in a few minutes.";
pub const ERROR_RATE_LIMITED: &str = "Too many requests from your network. Try again in a minute.";
pub const ERROR_BUSY: &str = "The service is busy. Please try again in a moment.";
pub const ERROR_UNEXPECTED: &str = "Something went wrong on our side. Please try again.";

pub const TOO_LARGE_TITLE: &str = "That form was too large";
pub const TOO_LARGE_BODY: &str = "Please go back and try again with shorter entries.";
pub const CROSS_SITE_TITLE: &str = "That form came from another site";
pub const CROSS_SITE_BODY: &str = "Nothing was done: this form is accepted only from this site's own page. Open it with the link below and send it again.";
pub const WRONG_TYPE_TITLE: &str = "That form could not be read";
pub const WRONG_TYPE_BODY: &str =
    "Nothing was done. Open the form with the link below and send it again.";
pub const BACK_TO_FORM: &str = "Back to the form";

pub const FORGOT_LINK: &str = "Forgot your password?";
pub const CHANGE_LINK: &str = "Change your password";

/// The policy in force, as bullet points.
pub fn policy_rules(
    min: usize,
    max: usize,
    history: usize,
    checks_strength: bool,
    checks_breaches: bool,
) -> Vec<String> {
    let mut rules = vec![
        format!("At least {min} characters (at most {max}). Spaces and any characters are welcome: a few unrelated words make a good one."),
        "Not a commonly used password.".to_owned(),
        "Not containing your email address or name.".to_owned(),
    ];
    if checks_breaches {
        rules.push("Not a password known from a data breach.".to_owned());
    }
    if checks_strength {
        rules.push("Hard to guess.".to_owned());
    }
    rules.push(match history {
        0 => "Not your current password.".to_owned(),
        1 => "Not your current or previous password.".to_owned(),
        n => format!("Not your current password, nor one of your last {n}."),
    });
    rules
}
