-- Accounts, sessions and login throttling (issue: Core). Column names follow the original
-- Scribe schema where it has one (kek_salt, encrypted_dek, dek_nonce, encrypted_dek_by_recovery,
-- recovery_kek_salt, recovery_dek_nonce, role, account_status).

CREATE TYPE core.user_role AS ENUM ('User', 'Moderator', 'Administrator');
CREATE TYPE core.account_status AS ENUM ('active', 'locked', 'pending');

CREATE TABLE core.users (
    id                        uuid                PRIMARY KEY,
    username                  varchar(30)         NOT NULL,
    email                     varchar(320)        NOT NULL,
    role                      core.user_role      NOT NULL DEFAULT 'User',
    account_status            core.account_status NOT NULL DEFAULT 'active',
    -- SHA-256 of the second half of the password derivation; the first half is the KEK.
    password_verifier         bytea               NOT NULL,
    kdf_params                jsonb               NOT NULL,
    kek_salt                  text                NOT NULL,
    encrypted_dek             bytea               NOT NULL,
    dek_nonce                 bytea               NOT NULL,
    recovery_kdf_params       jsonb               NOT NULL,
    recovery_kek_salt         text                NOT NULL,
    encrypted_dek_by_recovery bytea               NOT NULL,
    recovery_dek_nonce        bytea               NOT NULL,
    created_at                timestamptz         NOT NULL DEFAULT now(),
    updated_at                timestamptz         NOT NULL DEFAULT now()
);

-- Usernames and emails are unique regardless of case, as on Mastodon.
CREATE UNIQUE INDEX users_username_unique ON core.users (lower(username));
CREATE UNIQUE INDEX users_email_unique ON core.users (lower(email));

CREATE TABLE core.sessions (
    id                uuid        PRIMARY KEY,
    user_id           uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself is only ever held by the client.
    token_hash        bytea       NOT NULL UNIQUE,
    -- The user's DEK wrapped under a key derived from the token.
    wrapped_dek       bytea       NOT NULL,
    wrapped_dek_nonce bytea       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_used_at      timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL
);

CREATE INDEX sessions_user ON core.sessions (user_id);
CREATE INDEX sessions_expiry ON core.sessions (expires_at);

-- Failed login attempts per account and per client address, in fixed windows.
CREATE TABLE core.login_failures (
    scope             text        NOT NULL CHECK (scope IN ('account', 'address')),
    key               text        NOT NULL,
    window_started_at timestamptz NOT NULL,
    failures          integer     NOT NULL,
    PRIMARY KEY (scope, key)
);

-- The event log records users as well as items.
ALTER TABLE core.events RENAME COLUMN item_kind TO subject_kind;
ALTER TABLE core.events RENAME COLUMN item_id TO subject_id;
ALTER TABLE core.events DROP CONSTRAINT events_type_check;
ALTER TABLE core.events DROP CONSTRAINT events_item_kind_check;
ALTER TABLE core.events ADD CONSTRAINT events_type_check CHECK (type IN (
    'ItemPublished', 'ItemUpdated', 'ItemUnpublished', 'ItemDeleted', 'UserCreated', 'UserUpdated', 'UserDeleted'));
ALTER TABLE core.events ADD CONSTRAINT events_subject_kind_check CHECK (subject_kind IN ('character', 'lorebook', 'user'));
ALTER INDEX core.events_item RENAME TO events_subject;
