-- The public projection of public lorebooks, as core.character_publications is for characters:
-- the book (lorebook_v3 JSON, entries included) sealed under a publication key that the master
-- key named in master_key_id wraps. Making the lorebook private or deleting it deletes the row.
CREATE TABLE core.lorebook_publications (
    lorebook_id           uuid        PRIMARY KEY REFERENCES core.lorebooks (id) ON DELETE CASCADE,
    owner_id              uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    master_key_id         text        NOT NULL,
    publication_key       bytea       NOT NULL,
    publication_key_nonce bytea       NOT NULL,
    book                  bytea       NOT NULL,
    book_nonce            bytea       NOT NULL,
    published_at          timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX lorebook_publications_master_key ON core.lorebook_publications (master_key_id);
