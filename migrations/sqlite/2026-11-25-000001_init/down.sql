DROP TABLE write_gate;
DROP TABLE audit_events;
DROP TABLE password_history;
DROP TABLE refresh_tokens;
DROP TABLE users;
