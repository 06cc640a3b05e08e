-- Where each of social's consumers of Core's event log has got to, and which events it has
-- handled, so delivery can be at-least-once while handling stays idempotent (DESIGN.md §3).
CREATE TABLE social.event_consumers (
    consumer      text        PRIMARY KEY,
    last_event_id bigint      NOT NULL DEFAULT 0 CHECK (last_event_id >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE social.handled_events (
    consumer   text        NOT NULL REFERENCES social.event_consumers (consumer) ON DELETE CASCADE,
    event_id   bigint      NOT NULL,
    handled_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
