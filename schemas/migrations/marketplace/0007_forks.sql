-- Forks made through the marketplace, so that a creator is told who forked their item (the copy
-- itself is the forker's, in Core; this keeps only who and when). A user may fork an item more
-- than once: each is a row.
CREATE TABLE marketplace.forks (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id   uuid        NOT NULL,
    user_id   uuid        NOT NULL,
    forked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forks_item ON marketplace.forks (item_id, forked_at DESC);

-- A creator's activity reads each table by item and time.
CREATE INDEX favourites_item_time ON marketplace.favourites (item_id, created_at DESC);
CREATE INDEX listings_owner ON marketplace.listings (owner_id);
