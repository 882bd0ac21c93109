// The tables of migrations/{sqlite,postgres}; both backends share this one schema.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_normalized -> Text,
        display_name -> Nullable<Text>,
        roles -> Text,
        password_hash -> Nullable<Text>,
        password_expires_at -> Nullable<Timestamp>,
        security_version -> BigInt,
        password_changed_at -> Nullable<Timestamp>,
        password_change_required -> Bool,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_sign_in_at -> Nullable<Timestamp>,
        locale -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        security_version -> BigInt,
    }
}

diesel::table! {
    password_history (id) {
        id -> Text,
        user_id -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        action -> Text,
        actor_id -> Nullable<Text>,
        target_user_id -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        outcome -> Text,
        details -> Text,
    }
}

diesel::table! {
    write_gate (id) {
        id -> Integer,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(password_history -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    password_history,
    audit_events
);

diesel::table! {
    password_reset_tokens (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        user_id -> Nullable<Text>,
        security_version -> Nullable<BigInt>,
        created_at -> Timestamp,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        public_id -> Text,
        name -> Text,
        roles -> Text,
        secret_hash -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

// A key's creator is read in the same query as the key (see `db::api_keys`).
diesel::allow_tables_to_appear_in_same_query!(api_keys, users);

diesel::table! {
    lockout_sources (account_key, source) {
        account_key -> Text,
        source -> Text,
        failures -> Integer,
        lockouts -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_failure_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lockout_accounts (account_key) {
        account_key -> Text,
        digests -> Text,
        digests_seen_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    lockout_unfamiliar (id) {
        id -> Text,
        account_key -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    address_limits (scope, address) {
        scope -> Text,
        address -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        events -> Text,
        disabled -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        event_type -> Text,
        payload -> Text,
        created_at -> Timestamp,
        fanned_out_at -> Nullable<Timestamp>,
        target_webhook_id -> Nullable<Text>,
        decoy -> Bool,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        webhook_id -> Text,
        delivery_id -> Text,
        event_id -> Text,
        event_type -> Text,
        attempt -> Integer,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        duration_ms -> BigInt,
        error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    webhooks,
    webhook_events,
    webhook_deliveries,
    webhook_attempts
);

diesel::table! {
    console_sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        security_version -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(console_sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(console_sessions, users);
