-- Content ratings set by hand: by the creator, or by a moderator, whose rating the creator cannot
-- change. Kept apart from listings so a rebuild keeps them; a listing's rating is the override
-- when there is one, else what its tags say.
CREATE TABLE marketplace.content_ratings (
    item_id        uuid        PRIMARY KEY,
    content_rating text        NOT NULL CHECK (content_rating IN ('sfw', 'nsfw')),
    by_moderator   boolean     NOT NULL,
    set_at         timestamptz NOT NULL DEFAULT now()
);
