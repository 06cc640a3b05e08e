-- Whether a published item is for adults, rated by hand (docs/architecture.md §5 and §6). Core
-- keeps it beside the other restrictions so that every way out of Core agrees: the marketplace's
-- listing, the pages, and the Note other servers fold behind a content warning. Without a rating
-- by hand, the card's `nsfw` tag decides. A moderator's rating holds: the creator cannot change
-- it. The time a rating changed counts as a change of the item, since Mastodon applies an edit
-- only when its `updated` moves forward.
ALTER TABLE core.item_restrictions
    ADD COLUMN content_rating              text CHECK (content_rating IN ('sfw', 'nsfw')),
    ADD COLUMN content_rating_by_moderator boolean NOT NULL DEFAULT false,
    ADD COLUMN content_rating_set_at       timestamptz;
