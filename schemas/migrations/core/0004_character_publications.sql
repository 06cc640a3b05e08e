-- The public projection of published characters (DESIGN.md §4). Publishing seals the card and
-- avatar under a fresh publication key, itself wrapped by the server master key named in
-- master_key_id; public views decrypt this, never the owner's DEK. Unpublishing or deleting the
-- character deletes the row, and with it the only copy of the key (crypto-shredding).
CREATE TABLE core.character_publications (
    character_id          uuid        PRIMARY KEY REFERENCES core.characters (id) ON DELETE CASCADE,
    owner_id              uuid        NOT NULL REFERENCES core.users (id) ON DELETE CASCADE,
    visibility            text        NOT NULL CHECK (visibility IN ('unlisted', 'followers', 'public')),
    master_key_id         text        NOT NULL,
    publication_key       bytea       NOT NULL,
    publication_key_nonce bytea       NOT NULL,
    card                  bytea       NOT NULL,
    card_nonce            bytea       NOT NULL,
    avatar                bytea,
    avatar_nonce          bytea,
    published_at          timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((avatar IS NULL) = (avatar_nonce IS NULL))
);

-- Rotation finds what a master key still wraps.
CREATE INDEX character_publications_master_key ON core.character_publications (master_key_id);

-- Item events say what the item's visibility is after them, so consumers need not ask.
ALTER TABLE core.events ADD COLUMN visibility text CHECK (visibility IN ('private', 'unlisted', 'followers', 'public'));
