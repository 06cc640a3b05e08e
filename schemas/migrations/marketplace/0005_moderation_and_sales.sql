-- What creators set on a listing besides its card, reports and moderators' hiding, and sales
-- through Stripe (issue: Marketplace). Creators' settings are kept apart from listings, like
-- content ratings, so a rebuild keeps them.

-- A creator's settings: the language the item is written in (BCP 47, 'und' unknown) and its
-- price in the currency's smallest unit. Core is told an item is on sale; only here is its price.
CREATE TABLE marketplace.listing_settings (
    item_id      uuid        PRIMARY KEY,
    language     text        CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    price_amount integer     CHECK (price_amount BETWEEN 50 AND 100000000),
    currency     text        CHECK (currency ~ '^[a-z]{3}$'),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((price_amount IS NULL) = (currency IS NULL))
);

ALTER TABLE marketplace.listings ADD COLUMN price_amount integer, ADD COLUMN currency text;
CREATE INDEX listings_language ON marketplace.listings (language);

-- Reports of a listing or a review, with the moderator's decision. One open report per
-- reporter and subject; the listing's name is kept, since a hidden listing leaves the table.
CREATE TABLE marketplace.reports (
    id           uuid        PRIMARY KEY,
    subject      text        NOT NULL CHECK (subject IN ('listing', 'review')),
    subject_id   uuid        NOT NULL,
    item_id      uuid        NOT NULL,
    item_kind    text        NOT NULL CHECK (item_kind IN ('character', 'lorebook')),
    item_name    text        NOT NULL,
    reporter_id  uuid        NOT NULL,
    reason       text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
    status       text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'actioned', 'dismissed')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    resolved_by  uuid
);
CREATE UNIQUE INDEX reports_one_open ON marketplace.reports (subject, subject_id, reporter_id) WHERE status = 'open';
CREATE INDEX reports_queue ON marketplace.reports (created_at, id) WHERE status = 'open';

-- Items a moderator hid (Core hides them everywhere); restoring deletes the row.
CREATE TABLE marketplace.hidden_items (
    item_id   uuid        PRIMARY KEY,
    item_kind text        NOT NULL CHECK (item_kind IN ('character', 'lorebook')),
    item_name text        NOT NULL,
    hidden_by uuid        NOT NULL,
    hidden_at timestamptz NOT NULL DEFAULT now()
);

-- Each attempt to buy: a Checkout Session made with the attempt's id as idempotency key.
CREATE TABLE marketplace.purchases (
    id                  uuid        PRIMARY KEY,
    item_id             uuid        NOT NULL,
    buyer_id            uuid        NOT NULL,
    price_amount        integer     NOT NULL,
    currency            text        NOT NULL,
    checkout_session_id text        UNIQUE,
    status              text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'expired', 'failed')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    completed_at        timestamptz
);
CREATE INDEX purchases_buyer ON marketplace.purchases (buyer_id, item_id);

-- What a buyer may see in full: granted only by a verified webhook, once per buyer and item.
CREATE TABLE marketplace.entitlements (
    item_id     uuid        NOT NULL,
    user_id     uuid        NOT NULL,
    purchase_id uuid        NOT NULL REFERENCES marketplace.purchases (id),
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, user_id)
);

-- Stripe events already handled: Stripe retries and may reorder, so each id is handled once.
CREATE TABLE marketplace.stripe_events (
    event_id    text        PRIMARY KEY,
    type        text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Signatures of webhook deliveries already received, to refuse one replayed as it was (Stripe
-- signs each retry afresh). Kept an hour, well past the five minutes a signature is accepted.
CREATE TABLE marketplace.stripe_deliveries (
    signature   text        PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_deliveries_age ON marketplace.stripe_deliveries (received_at);
