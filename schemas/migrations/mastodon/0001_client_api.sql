-- Mastodon's client API (docs/mastodon-api.md): the apps people sign in with, the codes and
-- tokens they are granted, and the numeric ids apps see for accounts and statuses. Secrets,
-- codes and tokens are kept as SHA-256 only: a dump of this schema signs nobody in.

CREATE TABLE mastodon.applications (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id          text        NOT NULL UNIQUE,
    client_secret_hash bytea       NOT NULL,
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    website            text        CHECK (length(website) <= 2000),
    redirect_uris      text[]      NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 20),
    scopes             text[]      NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- A code lives ten minutes and is used once (deleted when exchanged).
CREATE TABLE mastodon.authorization_codes (
    code_hash      bytea       PRIMARY KEY,
    application_id bigint      NOT NULL REFERENCES mastodon.applications (id) ON DELETE CASCADE,
    user_id        uuid        NOT NULL,
    redirect_uri   text        NOT NULL,
    scopes         text[]      NOT NULL,
    code_challenge text,
    expires_at     timestamptz NOT NULL
);

-- A token never expires (as Mastodon's); it ends when revoked, or with its user or app.
-- user_id is null for an app's own token (client credentials).
CREATE TABLE mastodon.access_tokens (
    token_hash     bytea       PRIMARY KEY,
    application_id bigint      NOT NULL REFERENCES mastodon.applications (id) ON DELETE CASCADE,
    user_id        uuid,
    scopes         text[]      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_tokens_user ON mastodon.access_tokens (user_id);

-- Apps read ids as opaque strings, but many sort them: each account and status gets a number
-- made like Mastodon's (milliseconds since 1970 shifted left 16 bits, then 16 bits to tell
-- apart), from when the status was written, so numbers sort as the statuses were written.
-- key: 'account <actor id>', 'status <object id>' or 'boost <actor id> <object id>'.
CREATE TABLE mastodon.public_ids (
    id  bigint PRIMARY KEY,
    key text   NOT NULL UNIQUE CHECK (length(key) <= 8300)
);
