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

-- Where a user stopped reading each timeline (`home`, `notifications`), so another app of hers
-- opens there. version counts the saves; a save names the id of the last item read.
CREATE TABLE mastodon.markers (
    user_id      uuid        NOT NULL,
    timeline     text        NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id text        NOT NULL CHECK (length(last_read_id) <= 40),
    version      integer     NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, timeline)
);

-- Images a user uploads for her posts (`POST /api/v2/media`): the original, a preview apps show
-- in timelines, and the alt text. Served at /media/<file_key>, a random name, so an image of a
-- followers-only post is not found by counting. status names the post it was attached to.
CREATE TABLE mastodon.media (
    id           bigint      PRIMARY KEY,
    user_id      uuid        NOT NULL,
    file_key     text        NOT NULL UNIQUE,
    content_type text        NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    bytes        bytea       NOT NULL,
    preview_type text        NOT NULL,
    preview      bytea       NOT NULL,
    width        integer     NOT NULL,
    height       integer     NOT NULL,
    description  text        CHECK (length(description) <= 1500),
    status       text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_user ON mastodon.media (user_id, created_at);

-- A post's Idempotency-Key: an app that sends the same key again within an hour (a retry after
-- a lost answer) gets the post it already made instead of a second one. status is null while
-- the first request is still posting.
CREATE TABLE mastodon.idempotency_keys (
    user_id    uuid        NOT NULL,
    key        text        NOT NULL CHECK (length(key) <= 200),
    status     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
