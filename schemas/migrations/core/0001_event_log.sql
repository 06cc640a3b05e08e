-- Core's event log: the transactional outbox every other module consumes (DESIGN.md §3).
-- Rows are appended in the same transaction as the change they describe and never updated.
CREATE TABLE core.events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        text        NOT NULL CHECK (type IN ('ItemPublished', 'ItemUpdated', 'ItemUnpublished', 'ItemDeleted')),
    item_kind   text        NOT NULL CHECK (item_kind IN ('character', 'lorebook')),
    item_id     uuid        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_item ON core.events (item_kind, item_id);
