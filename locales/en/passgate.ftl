# passgate's texts in English. Every language has the same message ids (a test checks it);
# an operator changes a text or adds a language with a file of these ids in
# PASSGATE__I18N__DIRECTORY (see the README, "Languages").
#
# Arguments are written { $name }. Plain-text mail gets them without any invisible marks;
# the pages escape them as HTML.

## The language itself, as its speakers name it (the language links on every page).

language-name = English

## Hosted pages

page-forgot-title = Forgot your password?
page-forgot-intro = Enter the email address of your account. If it belongs to an account, we will email you a link to choose a new password.
page-forgot-submit = Email me a link
page-forgot-sent-title = Check your inbox
page-forgot-sent-body = If that address belongs to an account, a link to reset its password is on its way. The link works once and expires soon. Nothing arrived? Check your spam folder, or ask again in a few minutes.

page-reset-title = Choose a new password
page-reset-submit = Set my new password
page-reset-done-title = Your password is set
page-reset-done-body = You can now sign in with your new password. Every other session of your account was signed out.
page-link-dead-title = This link no longer works
page-link-dead-body = Reset links work once and expire after a while, and a newer link replaces older ones.
page-link-dead-action = Ask for a new link

page-change-title = Change your password
page-change-intro = Use this page to replace a temporary password from your administrator, or your current password.
page-change-submit = Change my password
page-change-done-title = Your password is changed
page-change-done-body = Sign in with your new password. Every other session of your account was signed out.

page-label-email = Email address
page-label-current = Current or temporary password
page-label-new = New password
page-label-confirm = New password, again
page-policy-heading = Your new password

page-error-email = Enter a valid email address.
page-error-required = This field is required.
page-error-mismatch = The two new passwords are not the same.
page-error-credentials = The email address or current password is not correct.
page-error-locked = Too many failed attempts. Try again in a few minutes.
page-error-rate-limited = Too many requests from your network. Try again in a minute.
page-error-busy = The service is busy. Please try again in a moment.
page-error-unexpected = Something went wrong on our side. Please try again.
# A broken password rule under the new-password field; $rule is one of the field-… texts
# below ("must be at least 15 characters").
page-error-password = The password { $rule }.

page-too-large-title = That form was too large
page-too-large-body = Please go back and try again with shorter entries.
page-cross-site-title = That form came from another site
page-cross-site-body = Nothing was done: this form is accepted only from this site's own page. Open it with the link below and send it again.
page-wrong-type-title = That form could not be read
page-wrong-type-body = Nothing was done. Open the form with the link below and send it again.
page-back-to-form = Back to the form

page-forgot-link = Forgot your password?
page-change-link = Change your password
page-languages = Language

## The admin console

console-name = Admin console
console-sign-in-title = Sign in to the admin console
console-sign-in-intro = For administrators and password administrators.
console-label-password = Password
console-sign-in-submit = Sign in
console-error-credentials = The email address or password is not correct.
console-error-expired = The sign-in form had expired, so nothing was done. Please sign in again.
console-forbidden-title = The admin console is for administrators
console-forbidden-body = Your email address and password are correct, but your account does not have administrator rights. Ask an administrator if you need access.
console-signed-in-as = Signed in as { $email }
console-sign-out = Sign out
console-csrf-title = That form has expired
console-csrf-body = Nothing was done. Open the page again in the console and send the form once more.
console-back = Back to the admin console

## The password policy, as listed on the pages

policy-rule-length = At least { $min } characters (at most { $max }). Spaces and any characters are welcome: a few unrelated words make a good one.
policy-rule-common = Not a commonly used password.
policy-rule-user-info = Not containing your email address or name.
policy-rule-breached = Not a password known from a data breach.
policy-rule-strength = Hard to guess.
policy-rule-history =
    { $history ->
        [0] Not your current password.
        [1] Not your current or previous password.
       *[other] Not your current password, nor one of your last { $history }.
    }

## Broken field rules: errors[].message in the API. Each follows the field's name
## ("password must be at least 15 characters"), so it starts in lower case.

field-too_short = must be at least { $min } characters
field-too_long = must be at most { $max } characters
field-common = is a commonly used password; choose another
field-breached = appears in a known data breach; choose another
field-contains_user_info = must not contain your email address or name
field-too_weak = is too easy to guess; a longer passphrase of unrelated words helps
field-reused = must differ from your current and recent passwords
field-invalid_email =
    { $reason ->
        [empty] must not be empty
        [too_long] must be at most 254 characters
       *[not_an_address] is not an email address (name@example.com; ASCII, no spaces)
    }
field-invalid_display_name = must be 1 to 200 characters, without control characters or spaces at either end
field-invalid_locale = must be a language tag such as `da` or `en-GB` (BCP 47, at most 35 characters)
field-conflicting_fields = give password_hash or password, not both
field-missing_password = goes with password_hash or password
field-invalid_role = unknown role `{ $role }`
field-invalid_name = must be 1 to 100 characters, without control or format characters or white space at either end
field-required = is required in mode `{ $mode }`
field-not_allowed = is only taken in mode `{ $mode }`
field-empty = name at least one user
field-exactly_one_of = give exactly one of `{ $first }` and `{ $second }`
field-out_of_range = must be between { $min } and { $max }
field-invalid_cursor = is not a cursor returned by this API
field-invalid_timestamp = must be an RFC 3339 timestamp
# $why is the hash format's own explanation; it stays English in every language.
field-unsupported_hash = is not a password hash passgate can import: { $why }
field-length = must be { $min } to { $max } characters
field-invalid_event = "*" stands alone: it means every event
field-unknown_event = names an event type passgate does not send
# An import line over the limit (bytes, not characters).
field-line-too-long = a line is at most { $max } bytes
# Field rules whose code is shared, by their English text (src/error/localized.rs).
field-text-not-empty = must not be empty
field-text-events-length = must list 1 to 20 event types, or ["*"]
field-text-url-absolute = must be an absolute URL
field-text-url-host = must name a host
field-text-url-credentials = must not carry credentials (the signature authenticates passgate)
field-text-url-resolve-timeout = the host name did not resolve in time
field-text-url-unresolved = the host name does not resolve
field-insecure_url = must be an https:// URL
field-forbidden_address = resolves to { $address }, a loopback, private, link-local or otherwise non-public address

## Problems (the JSON API): title and detail per code. The codes never change.

problem-malformed_request-title = Malformed request
problem-unsupported_media_type-title = Unsupported media type
problem-unsupported_media_type-detail = Send the body as application/json, without a Content-Encoding.
problem-payload_too_large-title = Payload too large
problem-payload_too_large-detail = The request body is larger than this server accepts.
problem-request_timeout-title = Request timeout
problem-request_timeout-detail = The request body did not arrive in time.
problem-validation_failed-title = Validation failed
problem-validation_failed-detail = One or more fields break a rule; see `errors`.
problem-password_policy-title = Password rejected by policy
problem-password_policy-detail = The new password breaks the password policy; see `errors`.
problem-invalid_credentials-title = Invalid credentials
problem-invalid_credentials-detail = The email or password is not correct.
problem-current_password_incorrect-title = Current password incorrect
problem-current_password_incorrect-detail = The current password is not correct.
problem-invalid_token-title = Invalid token
problem-invalid_token-detail = The access token is missing, invalid, expired or revoked.
problem-password_change_required-title = Password change required
problem-password_change_required-detail = This token only allows changing the password (POST /v1/me/password).
problem-forbidden-title = Forbidden
problem-not_found-title = Not found
problem-not_found-detail = No such resource.
problem-method_not_allowed-title = Method not allowed
problem-method_not_allowed-detail = This method is not allowed on this resource.
problem-conflict-title = Conflict
problem-reset_token_invalid-title = Reset token invalid
problem-reset_token_invalid-detail = The reset token is unknown, expired or already used.
problem-rate_limited-title = Too many requests
problem-rate_limited-detail = Too many requests from this client; retry later.
problem-account_locked-title = Account locked
problem-account_locked-detail = Too many failed attempts; the account is locked for a while.
problem-batch_too_large-title = Batch too large
problem-batch_too_large-detail = At most { $max } users per request.
problem-overloaded-title = Overloaded
problem-overloaded-detail = The password-hashing queue is full; retry shortly.
problem-unavailable-title = Service unavailable
problem-unavailable-detail = The database is unreachable; retry shortly.
problem-unavailable-detail-breach = The breached-password service is unreachable; retry shortly.
problem-unavailable-detail-shutting-down = This instance is shutting down; send requests to another one.
problem-internal_error-title = Internal server error
problem-internal_error-detail = An unexpected error occurred.

# The details of forbidden and conflict answers that say why.
problem-detail-role = Your role does not allow this.
problem-detail-api-key-not-a-person = An API key is not a person: /v1/me is for signed-in users.
problem-detail-own-roles = You cannot change your own roles or disable yourself.
problem-detail-own-reset = Nobody resets their own password here; use POST /v1/me/password.
problem-detail-outranked = This user's roles outrank yours.
problem-detail-key-outranks = A key cannot hold a role that outranks its creator's.
problem-detail-email-taken = A user with this email already exists.
problem-detail-last-admin = This change would leave no enabled admin.
problem-detail-unique = A resource with these unique values already exists.
problem-detail-unreadable = The request could not be read.
problem-detail-not-allowed = Not allowed.
problem-detail-body-unreadable = The body could not be read.
problem-detail-webhooks-full = passgate keeps at most { $max } webhooks; delete one before adding another.
problem-detail-not-served = The request could not be served.
problem-detail-email-twice = This email appears on an earlier line of this import.
# $why is the parser's own explanation; it stays English in every language.
problem-detail-json-unreadable = The JSON body could not be read: { $why }
problem-detail-query-unreadable = The query string could not be read: { $why }
problem-detail-body-unreadable-why = The body could not be read: { $why }
problem-detail-line-not-a-user = Line { $line } is not a user object: { $why }

## Mail (plain text). $product is PASSGATE__MAIL__PRODUCT_NAME, $email the account's address.

mail-reset-subject = Reset your { $product } password
mail-reset-opening-requested = Someone (hopefully you) asked to reset the password of your { $product } account { $email }.
mail-reset-opening-admin = An administrator reset the password of your { $product } account { $email }. Your old password no longer works.
mail-reset-instructions =
    { $minutes ->
        [one] To choose a new password, open this link within a minute. It works once.
       *[other] To choose a new password, open this link within { $minutes } minutes. It works once.
    }
mail-reset-closing-requested = If you did not ask for this, ignore this message: your password stays as it is.
mail-reset-closing-admin = If you did not expect this, contact your administrator.

mail-notice-subject-self = Your { $product } password was changed
mail-notice-subject-reset-link = Your { $product } password was reset through an emailed link
mail-notice-subject-admin = Your { $product } password was reset by an administrator
# $when is a date and time as mail-datetime below writes it; $address the client address.
mail-notice-body-self = The password of your { $product } account { $email } was changed on { $when }.
mail-notice-body-reset-link = The password of your { $product } account { $email } was reset through an emailed link on { $when }.
mail-notice-body-admin = The password of your { $product } account { $email } was reset by an administrator on { $when }.
# {how} in PASSGATE__MAIL__NOTICE_SUBJECT ("Your password was {how}").
mail-notice-how-self = changed
mail-notice-how-reset-link = reset through an emailed link
mail-notice-how-admin = reset by an administrator
mail-notice-from = The change came from the address { $address }.
mail-notice-advice = If this was you, there is nothing to do. If it was not, reset your password now and tell your administrator.

## Dates in mail, always in UTC and saying so. A language without mail-datetime gets
## 2026-12-01 15:30 UTC.

mail-datetime = { $day } { $month } { $year } at { $time } UTC
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## The admin console's pages: Active users, the reset form and its results, one user.

console-users-title = Active users
console-users-search-label = Search by name or email address
console-users-role-label = Role
console-users-role-any = All roles
console-users-search-submit = Search
console-users-select = Select { $email }
console-users-reset-selected = Reset password
console-users-next = Next page
console-users-first = First page
console-users-empty = No users match the search.
console-users-invalid = This search cannot be run: the search text may be at most 200 characters, and the page link may be out of date.
console-users-too-many = Select at most { $max } users at a time.
console-users-none-selected = Select at least one user.
console-col-select = Select
console-col-name = Display name
console-col-email = Email address
console-col-roles = Roles
console-col-state = Status
console-role-admin = Administrator
console-role-password_admin = Password administrator
console-role-user = User
console-state-active = Active
console-state-disabled = Disabled
console-state-change-required = Must change password
console-reason-own = This is you: change your own password on the change-password page.
console-reason-outranked = Only an administrator can reset this user's password.
console-reset-title = Reset password
console-reset-selected = Selected users
console-reset-skipped = Not reset
console-reset-unknown = No such user.
console-reset-nothing = None of the selected users can be reset by you.
console-reset-mode-legend = New password
console-reset-mode-generate = Automatically create a password
console-reset-mode-set = Let me create the password
console-reset-mode-link = Send a reset link instead
console-reset-password-label = Password (only for “Let me create the password”)
console-reset-require-change = Require this user to change their password when they first sign in
console-reset-notify = Email the user that their password was reset (never the password itself)
console-reset-output-legend = Results
console-reset-output-page = Show them on the next page
console-reset-output-csv = Download them as a CSV file
console-reset-submit = Reset password
console-reset-password-required = Type the password, or choose another option.
console-reset-password-not-taken = Leave the password empty, or choose “Let me create the password”.
console-reset-back = Back to active users
console-results-title = Password reset results
console-results-once = The temporary passwords are shown only this once: they are not stored anywhere you can see them again. Give each user their password in a safe way.
console-results-summary = { $succeeded } of { $requested } reset, { $failed } failed.
console-col-temporary = Temporary password
console-result-link-sent = A reset link is on its way by email.
console-result-set = The password you typed is set.
console-result-expires = Works until { $when }.
console-result-authority-lost = Not reset: your roles or your account changed while this ran. Sign in again.
console-result-busy = Not reset: the service was busy. Try this user again.
console-user-last-sign-in = Last sign-in
console-user-last-change = Last password change
console-user-never = Never
console-user-lockout = Lockout
console-user-not-locked = Not locked
console-user-locked-sources = Sign-in is locked from { $sources ->
        [one] one place
       *[other] { $sources } places
    } until { $when }.
console-user-locked-unfamiliar = Sign-in from new places is refused until { $when }.
console-user-unlock = Unlock
console-user-disable = Disable
console-user-enable = Enable
console-user-actions = Actions
console-user-audit = Recent events
console-user-no-events = No events yet.
console-user-not-found = There is no such user.
console-col-when = When
console-col-action = Event
console-col-actor = By
console-col-address = Client address
console-col-outcome = Outcome
console-outcome-success = Succeeded
console-outcome-failure = Failed
console-actor-command-line = The command line
console-done-unlocked = The account is unlocked.
console-done-disabled = The account is disabled: the user cannot sign in.
console-done-enabled = The account is enabled.
console-refused = Not done: { $reason }
console-reset-mode-invalid = Choose how the new password is made.
console-reset-not-done = Nothing was reset. Correct the form and try again.
