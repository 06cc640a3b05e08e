-- Chat sessions and messages (issue: Core), storage and API only. Titles and message contents
-- are encrypted under the owner's DEK (title_ciphertext/title_nonce and content/content_nonce,
-- the original Scribe names); in the clear are ids, the owner, the character a chat is with,
-- the visibility, each message's type and the times.

CREATE TYPE core.message_type AS ENUM ('User', 'Assistant', 'System');

CREATE TABLE core.chat_sessions (
    id               uuid        PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    character_id     uuid        REFERENCES core.characters (id) ON DELETE CASCADE,
    visibility       varchar(50) NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    title_ciphertext bytea       NOT NULL,
    title_nonce      bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX chat_sessions_user ON core.chat_sessions (user_id, updated_at DESC);

CREATE TABLE core.chat_messages (
    id             uuid              PRIMARY KEY,
    session_id     uuid              NOT NULL REFERENCES core.chat_sessions (id) ON DELETE CASCADE,
    user_id        uuid              NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    message_type   core.message_type NOT NULL,
    content        bytea             NOT NULL,
    content_nonce  bytea             NOT NULL,
    created_at     timestamptz       NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX chat_messages_session ON core.chat_messages (session_id, created_at);
