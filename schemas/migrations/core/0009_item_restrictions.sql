-- Restrictions on a published item that other modules ask Core to keep (DESIGN.md §5):
-- a moderator's hiding, after which nobody is shown the item, and a sale, after which only its
-- owner and buyers the marketplace vouches for see more than a preview. Core enforces both in
-- every shared view, so the marketplace, the federation and Core's own pages agree.
-- The row outlives unpublishing, so a hidden item stays hidden if it is published again.
CREATE TABLE core.item_restrictions (
    subject_kind text        NOT NULL CHECK (subject_kind IN ('character', 'lorebook')),
    item_id      uuid        NOT NULL,
    hidden       boolean     NOT NULL DEFAULT false,
    for_sale     boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject_kind, item_id)
);

-- Changing a restriction is recorded, so consumers re-read what they may show.
ALTER TABLE core.events DROP CONSTRAINT events_type_check;
ALTER TABLE core.events ADD CONSTRAINT events_type_check CHECK (type IN (
    'ItemPublished', 'ItemUpdated', 'ItemUnpublished', 'ItemDeleted', 'ItemRestricted', 'UserCreated', 'UserUpdated', 'UserDeleted'));
