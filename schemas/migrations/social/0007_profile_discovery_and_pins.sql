-- What a user says about being found, as Mastodon sends it on the actor (docs/federation.md,
-- "Profiles"): `discoverable` (may be listed in directories and suggestions) and `indexable`
-- (their public posts may be searched). And what they pin to their profile, served as the
-- actor's `featured` collection, at most five as Mastodon allows.
ALTER TABLE social.account_settings ADD COLUMN discoverable boolean NOT NULL DEFAULT true;
ALTER TABLE social.account_settings ADD COLUMN indexable boolean NOT NULL DEFAULT false;

CREATE TABLE social.pins (
    user_id    uuid        NOT NULL,
    object_id  text        NOT NULL,
    pinned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, object_id)
);
