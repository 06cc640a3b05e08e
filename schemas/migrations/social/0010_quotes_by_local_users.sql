-- Quotes our users make (FEP-044f, as Mastodon 4.5 makes them; docs/federation.md, "Quote
-- posts"): a post that quotes another asks its author with a QuoteRequest and is approved or
-- refused by their Accept or Reject, or later revoked by a Delete of the stamp. `quoting` is our
-- post, `quoted` theirs, `quoted_author` the only actor whose answer counts, `stamp` the
-- `result` of their Accept, which our post then carries as `quoteAuthorization`.
CREATE TABLE social.quotes (
    quoting       text        PRIMARY KEY,
    quoted        text        NOT NULL,
    quoted_author text        NOT NULL,
    request_id    text        NOT NULL UNIQUE,
    state         text        NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected', 'revoked')),
    stamp         text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'accepted') = (stamp IS NOT NULL))
);
CREATE INDEX quotes_stamp ON social.quotes (stamp) WHERE stamp IS NOT NULL;
