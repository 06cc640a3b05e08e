-- Federation state (DESIGN.md §3 "Federate", §6). Actors are named by their ActivityPub id (an
-- IRI); local users' actors are https://<us>/users/<username>, and Core's user id ties them to
-- Core without a cross-schema join.

-- Local users as actors: the username their actor id is built from, kept so the actor's Delete
-- can still be addressed after Core has forgotten the account.
CREATE TABLE social.local_actors (
    user_id    uuid        PRIMARY KEY,
    username   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE UNIQUE INDEX local_actors_username ON social.local_actors (lower(username)) WHERE deleted_at IS NULL;

-- Per-user social settings: a locked account approves followers by hand.
CREATE TABLE social.account_settings (
    user_id                     uuid        PRIMARY KEY,
    manually_approves_followers boolean     NOT NULL DEFAULT false,
    updated_at                  timestamptz NOT NULL DEFAULT now()
);

-- Remote actors we have fetched, with what delivery and display need; `document` is the actor
-- as fetched (remote HTML in it is sanitised when shown, never trusted).
CREATE TABLE social.remote_actors (
    id                 text        PRIMARY KEY,
    host               text        NOT NULL,
    inbox              text        NOT NULL,
    shared_inbox       text,
    followers          text,
    preferred_username text,
    document           jsonb       NOT NULL,
    fetched_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX remote_actors_host ON social.remote_actors (host);

-- Public keys of remote actors by key id: a signature names a key, the key names its owner.
CREATE TABLE social.remote_keys (
    key_id         text        PRIMARY KEY,
    actor_id       text        NOT NULL REFERENCES social.remote_actors (id) ON DELETE CASCADE,
    public_key_pem text        NOT NULL,
    fetched_at     timestamptz NOT NULL DEFAULT now()
);

-- Follow relations in both directions, local and remote alike, by actor id. `activity_id` is the
-- Follow activity's id (the remote's for inbound follows, ours for outbound), which Accept,
-- Reject and Undo name.
CREATE TABLE social.follows (
    follower    text        NOT NULL,
    followed    text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('pending', 'accepted')),
    activity_id text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    accepted_at timestamptz,
    PRIMARY KEY (follower, followed)
);
CREATE INDEX follows_followed ON social.follows (followed, state);
CREATE UNIQUE INDEX follows_activity ON social.follows (activity_id);

-- Every verified inbound activity, stored before the 202 and processed by a worker. The id
-- deduplicates redeliveries; a row ends processed, or ignored with the reason.
CREATE TABLE social.inbox_activities (
    seq          bigserial   PRIMARY KEY,
    activity_id  text        NOT NULL UNIQUE,
    actor_id     text        NOT NULL,
    type         text        NOT NULL,
    recipient    uuid,
    document     jsonb       NOT NULL,
    state        text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'processed', 'ignored')),
    reason       text,
    attempts     integer     NOT NULL DEFAULT 0,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX inbox_activities_pending ON social.inbox_activities (seq) WHERE state = 'pending';
-- Each actor's activities are processed in arrival order: only its oldest pending one is taken.
CREATE INDEX inbox_activities_actor_pending ON social.inbox_activities (actor_id, seq) WHERE state = 'pending';

-- The delivery queue: one job per target inbox. Workers in any number of processes claim due
-- jobs with FOR UPDATE SKIP LOCKED; a job is retried with back-off until delivered or given up.
CREATE TABLE social.deliveries (
    id              bigserial   PRIMARY KEY,
    inbox           text        NOT NULL,
    host            text        NOT NULL,
    -- Who signs: a local user's id, or NULL for the instance actor.
    signer          uuid,
    activity_id     text        NOT NULL,
    body            bytea       NOT NULL,
    state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON social.deliveries (next_attempt_at) WHERE state = 'pending';

-- Hosts that keep failing: deliveries to them wait until retry_after.
CREATE TABLE social.host_health (
    host           text        PRIMARY KEY,
    failures       integer     NOT NULL DEFAULT 0,
    first_failure  timestamptz,
    retry_after    timestamptz
);

-- What each published item looks like on the fediverse, so updates and deletes name the same
-- object and the gone answer 410 with a Tombstone.
CREATE TABLE social.published_objects (
    item_id      uuid        PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('character', 'lorebook')),
    owner_id     uuid        NOT NULL,
    visibility   text        NOT NULL CHECK (visibility IN ('unlisted', 'followers', 'public')),
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);
CREATE INDEX published_objects_owner ON social.published_objects (owner_id, published_at DESC);
