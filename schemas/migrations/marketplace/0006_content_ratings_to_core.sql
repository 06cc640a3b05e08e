-- Content ratings set by hand move to Core (core/0011), which keeps them with the item so that
-- the federation folds adult items as the marketplace does. The marketplace now reads an item's
-- rating from Core's metadata; this table had no other reader. Core's migrations all run before
-- the marketplace's, so Core's columns exist here.
INSERT INTO core.item_restrictions AS r (subject_kind, item_id, content_rating, content_rating_by_moderator, content_rating_set_at)
SELECT l.kind, c.item_id, c.content_rating, c.by_moderator, c.set_at
FROM marketplace.content_ratings c JOIN marketplace.listings l ON l.item_id = c.item_id
ON CONFLICT (subject_kind, item_id) DO UPDATE SET content_rating = EXCLUDED.content_rating,
    content_rating_by_moderator = EXCLUDED.content_rating_by_moderator, content_rating_set_at = EXCLUDED.content_rating_set_at;

DROP TABLE marketplace.content_ratings;
