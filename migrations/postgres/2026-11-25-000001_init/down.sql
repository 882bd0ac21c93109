DROP TABLE write_gate;
DROP TRIGGER audit_events_no_change ON audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE audit_events;
DROP TABLE password_history;
DROP TABLE refresh_tokens;
DROP TABLE users;
