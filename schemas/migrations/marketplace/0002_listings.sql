-- Listings (issue: Marketplace): the public metadata of every public character and lorebook,
-- kept current from Core's event log and never holding anything Core would not show anyone.
-- Search runs on PostgreSQL full text with weights, plus trigram similarity for typos.
-- pg_trgm goes into this schema (migrations run with it first on the search path), so its
-- functions and operator are named marketplace.similarity and OPERATOR(marketplace.%).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA marketplace;

-- array_to_string is only stable (it could depend on settings for some types); for text[] it
-- is not, and a generated column needs an immutable expression.
CREATE FUNCTION marketplace.tags_text(tags text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT array_to_string(tags, ' ') $$;

CREATE TABLE marketplace.listings (
    item_id         uuid        PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('character', 'lorebook')),
    owner_id        uuid        NOT NULL,
    creator         text        NOT NULL,
    name            text        NOT NULL,
    tagline         text        NOT NULL DEFAULT '',
    tags            text[]      NOT NULL DEFAULT '{}',
    content_rating  text        NOT NULL DEFAULT 'sfw' CHECK (content_rating IN ('sfw', 'nsfw')),
    language        text        NOT NULL DEFAULT 'und',
    has_avatar      boolean     NOT NULL DEFAULT false,
    spec            text        NOT NULL DEFAULT '',
    spec_version    text,
    token_estimate  integer     NOT NULL DEFAULT 0,
    entry_count     integer     NOT NULL DEFAULT 0,
    version         integer     NOT NULL DEFAULT 1,
    published_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    download_count  integer     NOT NULL DEFAULT 0,
    favourite_count integer     NOT NULL DEFAULT 0,
    rating_count    integer     NOT NULL DEFAULT 0,
    rating_sum      integer     NOT NULL DEFAULT 0,
    -- Bayesian average: five phantom votes of 3 pull thinly rated items towards the middle.
    score           numeric     GENERATED ALWAYS AS ((rating_sum + 15)::numeric / (rating_count + 5)) STORED,
    -- Trending: log of the sum of e^(λ·t) over downloads (λ = ln 2 per 3 days). All items decay
    -- at the same rate, so ordering by this key ranks decayed download counts at any moment.
    trend           double precision NOT NULL DEFAULT 0,
    search          tsvector    GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(name, '')), 'A')
        || setweight(to_tsvector('simple', marketplace.tags_text(tags)), 'B')
        || setweight(to_tsvector('simple', coalesce(creator, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(tagline, '')), 'C')) STORED
);
CREATE INDEX listings_search ON marketplace.listings USING gin (search);
CREATE INDEX listings_name_trgm ON marketplace.listings USING gin (name gin_trgm_ops);
CREATE INDEX listings_tags ON marketplace.listings USING gin (tags);
CREATE INDEX listings_newest ON marketplace.listings (published_at DESC, item_id DESC);
CREATE INDEX listings_updated ON marketplace.listings (updated_at DESC, item_id DESC);
CREATE INDEX listings_downloads ON marketplace.listings (download_count DESC, item_id DESC);
CREATE INDEX listings_score ON marketplace.listings (score DESC, item_id DESC);
CREATE INDEX listings_trend ON marketplace.listings (trend DESC, item_id DESC);
CREATE INDEX listings_creator ON marketplace.listings (lower(creator));

-- Every version a listing has had: bumped by each update of the public item.
CREATE TABLE marketplace.listing_versions (
    item_id    uuid        NOT NULL REFERENCES marketplace.listings (item_id) ON DELETE CASCADE,
    version    integer     NOT NULL,
    changelog  text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, version)
);
