//! Every message id the code uses, the one place they are named: an [`Id`] can be made only
//! here, so the code cannot ask for a message the files lack, and a test checks that every id
//! is in every shipped file, and that the files hold no other.

/// A message id of `locales/<lang>/passgate.ftl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Id(&'static str);

impl Id {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

macro_rules! ids {
    ($($name:ident = $id:literal,)*) => {
        $(pub const $name: Id = Id($id);)*
        /// Every id, in the files' order.
        pub const ALL: &[Id] = &[$($name),*];
    };
}

ids! {
    LANGUAGE_NAME = "language-name",
    PAGE_FORGOT_TITLE = "page-forgot-title",
    PAGE_FORGOT_INTRO = "page-forgot-intro",
    PAGE_FORGOT_SUBMIT = "page-forgot-submit",
    PAGE_FORGOT_SENT_TITLE = "page-forgot-sent-title",
    PAGE_FORGOT_SENT_BODY = "page-forgot-sent-body",
    PAGE_RESET_TITLE = "page-reset-title",
    PAGE_RESET_SUBMIT = "page-reset-submit",
    PAGE_RESET_DONE_TITLE = "page-reset-done-title",
    PAGE_RESET_DONE_BODY = "page-reset-done-body",
    PAGE_LINK_DEAD_TITLE = "page-link-dead-title",
    PAGE_LINK_DEAD_BODY = "page-link-dead-body",
    PAGE_LINK_DEAD_ACTION = "page-link-dead-action",
    PAGE_CHANGE_TITLE = "page-change-title",
    PAGE_CHANGE_INTRO = "page-change-intro",
    PAGE_CHANGE_SUBMIT = "page-change-submit",
    PAGE_CHANGE_DONE_TITLE = "page-change-done-title",
    PAGE_CHANGE_DONE_BODY = "page-change-done-body",
    PAGE_LABEL_EMAIL = "page-label-email",
    PAGE_LABEL_CURRENT = "page-label-current",
    PAGE_LABEL_NEW = "page-label-new",
    PAGE_LABEL_CONFIRM = "page-label-confirm",
    PAGE_POLICY_HEADING = "page-policy-heading",
    PAGE_ERROR_EMAIL = "page-error-email",
    PAGE_ERROR_REQUIRED = "page-error-required",
    PAGE_ERROR_MISMATCH = "page-error-mismatch",
    PAGE_ERROR_CREDENTIALS = "page-error-credentials",
    PAGE_ERROR_LOCKED = "page-error-locked",
    PAGE_ERROR_RATE_LIMITED = "page-error-rate-limited",
    PAGE_ERROR_BUSY = "page-error-busy",
    PAGE_ERROR_UNEXPECTED = "page-error-unexpected",
    PAGE_ERROR_PASSWORD = "page-error-password",
    PAGE_TOO_LARGE_TITLE = "page-too-large-title",
    PAGE_TOO_LARGE_BODY = "page-too-large-body",
    PAGE_CROSS_SITE_TITLE = "page-cross-site-title",
    PAGE_CROSS_SITE_BODY = "page-cross-site-body",
    PAGE_WRONG_TYPE_TITLE = "page-wrong-type-title",
    PAGE_WRONG_TYPE_BODY = "page-wrong-type-body",
    PAGE_BACK_TO_FORM = "page-back-to-form",
    PAGE_FORGOT_LINK = "page-forgot-link",
    PAGE_CHANGE_LINK = "page-change-link",
    PAGE_LANGUAGES = "page-languages",
    CONSOLE_NAME = "console-name",
    CONSOLE_SIGN_IN_TITLE = "console-sign-in-title",
    CONSOLE_SIGN_IN_INTRO = "console-sign-in-intro",
    CONSOLE_LABEL_PASSWORD = "console-label-password",
    CONSOLE_SIGN_IN_SUBMIT = "console-sign-in-submit",
    CONSOLE_ERROR_CREDENTIALS = "console-error-credentials",
    CONSOLE_ERROR_EXPIRED = "console-error-expired",
    CONSOLE_FORBIDDEN_TITLE = "console-forbidden-title",
    CONSOLE_FORBIDDEN_BODY = "console-forbidden-body",
    CONSOLE_SIGNED_IN_AS = "console-signed-in-as",
    CONSOLE_SIGN_OUT = "console-sign-out",
    CONSOLE_CSRF_TITLE = "console-csrf-title",
    CONSOLE_CSRF_BODY = "console-csrf-body",
    CONSOLE_BACK = "console-back",
    POLICY_RULE_LENGTH = "policy-rule-length",
    POLICY_RULE_COMMON = "policy-rule-common",
    POLICY_RULE_USER_INFO = "policy-rule-user-info",
    POLICY_RULE_BREACHED = "policy-rule-breached",
    POLICY_RULE_STRENGTH = "policy-rule-strength",
    POLICY_RULE_HISTORY = "policy-rule-history",
    FIELD_TOO_SHORT = "field-too_short",
    FIELD_TOO_LONG = "field-too_long",
    FIELD_COMMON = "field-common",
    FIELD_BREACHED = "field-breached",
    FIELD_CONTAINS_USER_INFO = "field-contains_user_info",
    FIELD_TOO_WEAK = "field-too_weak",
    FIELD_REUSED = "field-reused",
    FIELD_INVALID_EMAIL = "field-invalid_email",
    FIELD_INVALID_DISPLAY_NAME = "field-invalid_display_name",
    FIELD_INVALID_LOCALE = "field-invalid_locale",
    FIELD_CONFLICTING_FIELDS = "field-conflicting_fields",
    FIELD_TEXT_NOT_EMPTY = "field-text-not-empty",
    FIELD_TEXT_EVENTS_LENGTH = "field-text-events-length",
    FIELD_TEXT_EVENTS_STAR = "field-text-events-star",
    FIELD_TEXT_UNKNOWN_EVENT = "field-text-unknown-event",
    FIELD_TEXT_URL_ABSOLUTE = "field-text-url-absolute",
    FIELD_TEXT_URL_HOST = "field-text-url-host",
    FIELD_TEXT_URL_CREDENTIALS = "field-text-url-credentials",
    FIELD_TEXT_URL_RESOLVE_TIMEOUT = "field-text-url-resolve-timeout",
    FIELD_TEXT_URL_UNRESOLVED = "field-text-url-unresolved",
    FIELD_INSECURE_URL = "field-insecure_url",
    FIELD_FORBIDDEN_ADDRESS = "field-forbidden_address",
    PROBLEM_MALFORMED_REQUEST_TITLE = "problem-malformed_request-title",
    PROBLEM_UNSUPPORTED_MEDIA_TYPE_TITLE = "problem-unsupported_media_type-title",
    PROBLEM_UNSUPPORTED_MEDIA_TYPE_DETAIL = "problem-unsupported_media_type-detail",
    PROBLEM_PAYLOAD_TOO_LARGE_TITLE = "problem-payload_too_large-title",
    PROBLEM_PAYLOAD_TOO_LARGE_DETAIL = "problem-payload_too_large-detail",
    PROBLEM_REQUEST_TIMEOUT_TITLE = "problem-request_timeout-title",
    PROBLEM_REQUEST_TIMEOUT_DETAIL = "problem-request_timeout-detail",
    PROBLEM_VALIDATION_FAILED_TITLE = "problem-validation_failed-title",
    PROBLEM_VALIDATION_FAILED_DETAIL = "problem-validation_failed-detail",
    PROBLEM_PASSWORD_POLICY_TITLE = "problem-password_policy-title",
    PROBLEM_PASSWORD_POLICY_DETAIL = "problem-password_policy-detail",
    PROBLEM_INVALID_CREDENTIALS_TITLE = "problem-invalid_credentials-title",
    PROBLEM_INVALID_CREDENTIALS_DETAIL = "problem-invalid_credentials-detail",
    PROBLEM_CURRENT_PASSWORD_INCORRECT_TITLE = "problem-current_password_incorrect-title",
    PROBLEM_CURRENT_PASSWORD_INCORRECT_DETAIL = "problem-current_password_incorrect-detail",
    PROBLEM_INVALID_TOKEN_TITLE = "problem-invalid_token-title",
    PROBLEM_INVALID_TOKEN_DETAIL = "problem-invalid_token-detail",
    PROBLEM_PASSWORD_CHANGE_REQUIRED_TITLE = "problem-password_change_required-title",
    PROBLEM_PASSWORD_CHANGE_REQUIRED_DETAIL = "problem-password_change_required-detail",
    PROBLEM_FORBIDDEN_TITLE = "problem-forbidden-title",
    PROBLEM_NOT_FOUND_TITLE = "problem-not_found-title",
    PROBLEM_NOT_FOUND_DETAIL = "problem-not_found-detail",
    PROBLEM_METHOD_NOT_ALLOWED_TITLE = "problem-method_not_allowed-title",
    PROBLEM_METHOD_NOT_ALLOWED_DETAIL = "problem-method_not_allowed-detail",
    PROBLEM_CONFLICT_TITLE = "problem-conflict-title",
    PROBLEM_RESET_TOKEN_INVALID_TITLE = "problem-reset_token_invalid-title",
    PROBLEM_RESET_TOKEN_INVALID_DETAIL = "problem-reset_token_invalid-detail",
    PROBLEM_RATE_LIMITED_TITLE = "problem-rate_limited-title",
    PROBLEM_RATE_LIMITED_DETAIL = "problem-rate_limited-detail",
    PROBLEM_ACCOUNT_LOCKED_TITLE = "problem-account_locked-title",
    PROBLEM_ACCOUNT_LOCKED_DETAIL = "problem-account_locked-detail",
    PROBLEM_BATCH_TOO_LARGE_TITLE = "problem-batch_too_large-title",
    PROBLEM_BATCH_TOO_LARGE_DETAIL = "problem-batch_too_large-detail",
    PROBLEM_OVERLOADED_TITLE = "problem-overloaded-title",
    PROBLEM_OVERLOADED_DETAIL = "problem-overloaded-detail",
    PROBLEM_UNAVAILABLE_TITLE = "problem-unavailable-title",
    PROBLEM_UNAVAILABLE_DETAIL = "problem-unavailable-detail",
    PROBLEM_UNAVAILABLE_DETAIL_BREACH = "problem-unavailable-detail-breach",
    PROBLEM_INTERNAL_ERROR_TITLE = "problem-internal_error-title",
    PROBLEM_INTERNAL_ERROR_DETAIL = "problem-internal_error-detail",
    PROBLEM_DETAIL_ROLE = "problem-detail-role",
    PROBLEM_DETAIL_API_KEY_NOT_A_PERSON = "problem-detail-api-key-not-a-person",
    PROBLEM_DETAIL_OWN_ROLES = "problem-detail-own-roles",
    PROBLEM_DETAIL_OWN_RESET = "problem-detail-own-reset",
    PROBLEM_DETAIL_OUTRANKED = "problem-detail-outranked",
    PROBLEM_DETAIL_KEY_OUTRANKS = "problem-detail-key-outranks",
    PROBLEM_DETAIL_EMAIL_TAKEN = "problem-detail-email-taken",
    PROBLEM_DETAIL_LAST_ADMIN = "problem-detail-last-admin",
    PROBLEM_DETAIL_UNIQUE = "problem-detail-unique",
    PROBLEM_DETAIL_UNREADABLE = "problem-detail-unreadable",
    PROBLEM_DETAIL_NOT_ALLOWED = "problem-detail-not-allowed",
    PROBLEM_DETAIL_BODY_UNREADABLE = "problem-detail-body-unreadable",
    PROBLEM_DETAIL_WEBHOOKS_FULL = "problem-detail-webhooks-full",
    MAIL_RESET_SUBJECT = "mail-reset-subject",
    MAIL_RESET_OPENING_REQUESTED = "mail-reset-opening-requested",
    MAIL_RESET_OPENING_ADMIN = "mail-reset-opening-admin",
    MAIL_RESET_INSTRUCTIONS = "mail-reset-instructions",
    MAIL_RESET_CLOSING_REQUESTED = "mail-reset-closing-requested",
    MAIL_RESET_CLOSING_ADMIN = "mail-reset-closing-admin",
    MAIL_NOTICE_SUBJECT_SELF = "mail-notice-subject-self",
    MAIL_NOTICE_SUBJECT_RESET_LINK = "mail-notice-subject-reset-link",
    MAIL_NOTICE_SUBJECT_ADMIN = "mail-notice-subject-admin",
    MAIL_NOTICE_BODY_SELF = "mail-notice-body-self",
    MAIL_NOTICE_BODY_RESET_LINK = "mail-notice-body-reset-link",
    MAIL_NOTICE_BODY_ADMIN = "mail-notice-body-admin",
    MAIL_NOTICE_FROM = "mail-notice-from",
    MAIL_NOTICE_ADVICE = "mail-notice-advice",
    MAIL_DATETIME = "mail-datetime",
    MONTH_1 = "month-1",
    MONTH_2 = "month-2",
    MONTH_3 = "month-3",
    MONTH_4 = "month-4",
    MONTH_5 = "month-5",
    MONTH_6 = "month-6",
    MONTH_7 = "month-7",
    MONTH_8 = "month-8",
    MONTH_9 = "month-9",
    MONTH_10 = "month-10",
    MONTH_11 = "month-11",
    MONTH_12 = "month-12",
}

/// The month names, January first, for `mail-datetime`.
pub const MONTHS: [Id; 12] = [
    MONTH_1, MONTH_2, MONTH_3, MONTH_4, MONTH_5, MONTH_6, MONTH_7, MONTH_8, MONTH_9, MONTH_10,
    MONTH_11, MONTH_12,
];

/// The `errors[].message` of a field rule's `code`, where the files have one (`field-<code>`).
pub fn field(code: &str) -> Option<Id> {
    family("field-", code, "")
}

/// A problem's title (`problem-<code>-title`).
pub fn problem_title(code: &str) -> Option<Id> {
    family("problem-", code, "-title")
}

/// A problem's fixed detail (`problem-<code>-detail`), for codes whose detail never varies.
pub fn problem_detail(code: &str) -> Option<Id> {
    family("problem-", code, "-detail")
}

fn family(prefix: &str, code: &str, suffix: &str) -> Option<Id> {
    // A fixed, small list: the cost of a look-up does not grow with anything a client sends
    // (codes come from the server's own errors).
    ALL.iter().copied().find(|id| {
        id.0.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|middle| middle == code)
    })
}
