-- Notes, likes, boosts, feeds, notifications and moderation (DESIGN.md §6): what the fediverse
-- does with what we publish, and what the people our users follow post.

-- Notes we keep: remote posts by accounts our users follow or that answer or mention us, and
-- our users' comments. `content` is sanitised HTML; `document` is the object as received or
-- served. A comment on one of our items names it in item_id (the thread's root).
CREATE TABLE social.notes (
    id           text        PRIMARY KEY,
    actor_id     text        NOT NULL,
    local_author uuid,
    in_reply_to  text,
    item_id      uuid,
    content      text        NOT NULL DEFAULT '',
    url          text,
    visibility   text        NOT NULL CHECK (visibility IN ('public', 'unlisted', 'followers', 'direct')),
    document     jsonb       NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz,
    deleted_at   timestamptz
);
CREATE INDEX notes_actor ON social.notes (actor_id);
CREATE INDEX notes_in_reply_to ON social.notes (in_reply_to);
CREATE INDEX notes_item ON social.notes (item_id, published_at);

-- Likes and boosts (Announce) of any object, local or remote, by any actor.
CREATE TABLE social.likes (
    actor_id    text        NOT NULL,
    object_id   text        NOT NULL,
    activity_id text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, object_id)
);
CREATE INDEX likes_object ON social.likes (object_id);

CREATE TABLE social.announces (
    actor_id    text        NOT NULL,
    object_id   text        NOT NULL,
    activity_id text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, object_id)
);
CREATE INDEX announces_object ON social.announces (object_id);

-- Each user's home feed, written when something arrives (fan-out on write): their own items,
-- and the items, notes and boosts of accounts they follow. Paged by seq, newest first.
CREATE TABLE social.feed_entries (
    seq        bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('item', 'note', 'boost')),
    object_id  text        NOT NULL,
    actor_id   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, kind, object_id, actor_id)
);
CREATE INDEX feed_entries_user ON social.feed_entries (user_id, seq DESC);
CREATE INDEX feed_entries_object ON social.feed_entries (object_id);

CREATE TABLE social.notifications (
    seq        bigserial   PRIMARY KEY,
    user_id    uuid        NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('follow', 'follow_request', 'like', 'boost', 'comment', 'mention')),
    actor_id   text        NOT NULL,
    object_id  text,
    created_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz
);
CREATE INDEX notifications_user ON social.notifications (user_id, seq DESC);

-- Blocks: a user's (by actor id, either direction of federation) and the instance's, by domain.
CREATE TABLE social.blocks (
    blocker     text        NOT NULL,
    blocked     text        NOT NULL,
    activity_id text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker, blocked)
);

CREATE TABLE social.domain_blocks (
    domain     text        PRIMARY KEY,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Reports (Flag) waiting for a moderator.
CREATE TABLE social.reports (
    seq         bigserial   PRIMARY KEY,
    activity_id text        NOT NULL UNIQUE,
    reporter    text        NOT NULL,
    objects     text[]      NOT NULL,
    content     text        NOT NULL DEFAULT '',
    state       text        NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
