-- Quote approvals (FEP-044f, as Mastodon 4.5 asks for them; docs/federation.md, "Quote posts"):
-- a remote post that quotes one of ours asks with a QuoteRequest, and is approved by an Accept
-- whose `result` is a stamp served here while its row exists. `author` is the quoted object's
-- owner, a local user; `quoted` is our object, `quoting` their post.
CREATE TABLE social.quote_authorizations (
    id          text        PRIMARY KEY,
    request_id  text        NOT NULL UNIQUE,
    author      uuid        NOT NULL,
    quoted      text        NOT NULL,
    quoting     text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quote_authorizations_quoted ON social.quote_authorizations (quoted);

-- The quoted author is told, as Mastodon tells them.
ALTER TABLE social.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE social.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('follow', 'follow_request', 'like', 'boost', 'comment', 'mention', 'quote'));
