-- Lorebooks and their entries (issue: Core). As with characters, everything a lorebook says is
-- encrypted under the owner's DEK: the book's own fields (name, description, scan_depth, ...,
-- extensions) sealed as JSON in `book`, each entry's V3 JSON sealed in its own row's `entry`,
-- so entries can be edited one at a time. In the clear: ids, owner, is_public (the original
-- Scribe share flag, default false), the format it came in (source_format), the entries' order
-- and the rows' times.

CREATE TABLE core.lorebooks (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    is_public     boolean     NOT NULL DEFAULT false,
    source_format varchar(255) NOT NULL CHECK (source_format IN ('lorebook_v3', 'character_book', 'silly_tavern_world_info', 'scribe')),
    book          bytea       NOT NULL,
    book_nonce    bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX lorebooks_user ON core.lorebooks (user_id, created_at);

CREATE TABLE core.lorebook_entries (
    id            uuid        PRIMARY KEY,
    lorebook_id   uuid        NOT NULL REFERENCES core.lorebooks (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    entry_order   integer     NOT NULL,
    entry         bytea       NOT NULL,
    entry_nonce   bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (lorebook_id, entry_order)
);
