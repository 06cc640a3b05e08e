-- What people do with listings: downloads (counted once per downloader per day), favourites,
-- ratings and reviews. Listings' counters are kept in step in the same transactions, and
-- recounted from these tables when a listing is rebuilt.

-- `downloader` is `user:<id>`, or `address:<sha-256 of the client address>` for anonymous
-- downloads: addresses are never stored as they are.
CREATE TABLE marketplace.downloads (
    item_id       uuid        NOT NULL,
    downloader    text        NOT NULL,
    day           date        NOT NULL,
    downloaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, downloader, day)
);

CREATE TABLE marketplace.favourites (
    user_id      uuid        NOT NULL,
    item_id      uuid        NOT NULL,
    -- The listing version the user last looked at, for "changed since".
    seen_version integer     NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);
CREATE INDEX favourites_item ON marketplace.favourites (item_id);

CREATE TABLE marketplace.ratings (
    user_id    uuid        NOT NULL,
    item_id    uuid        NOT NULL,
    stars      integer     NOT NULL CHECK (stars BETWEEN 1 AND 5),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, item_id)
);
CREATE INDEX ratings_item ON marketplace.ratings (item_id);

CREATE TABLE marketplace.reviews (
    id         uuid        PRIMARY KEY,
    item_id    uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    username   text        NOT NULL,
    body       text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz,
    UNIQUE (item_id, user_id)
);
CREATE INDEX reviews_item ON marketplace.reviews (item_id, created_at DESC);

-- The trending key of a download at time t: λ·t, λ = ln 2 per three days (see 0002).
CREATE FUNCTION marketplace.trend_point(at timestamptz) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ln(2) / (3 * 86400) * extract(epoch FROM at)::double precision $$;

-- log(e^a + e^b) without overflow; PostgreSQL raises on exp() underflow, so a term more than
-- 700 below the other (e^-700 of it) is left out.
CREATE FUNCTION marketplace.log_add(a double precision, b double precision) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN abs(a - b) > 700 THEN greatest(a, b) ELSE greatest(a, b) + ln(1 + exp(-abs(a - b))) END $$;

-- Sets a listing's counters and trending key from the tables above.
CREATE FUNCTION marketplace.recount(item uuid) RETURNS void LANGUAGE sql
    AS $$
    UPDATE marketplace.listings SET
        download_count = (SELECT count(*) FROM marketplace.downloads d WHERE d.item_id = item),
        favourite_count = (SELECT count(*) FROM marketplace.favourites f WHERE f.item_id = item),
        rating_count = (SELECT count(*) FROM marketplace.ratings r WHERE r.item_id = item),
        rating_sum = (SELECT coalesce(sum(stars), 0) FROM marketplace.ratings r WHERE r.item_id = item),
        trend = coalesce((
            SELECT m + ln(sum(exp(greatest(p - m, -700)))) FROM (
                SELECT marketplace.trend_point(downloaded_at) AS p, max(marketplace.trend_point(downloaded_at)) OVER () AS m
                FROM marketplace.downloads WHERE item_id = item) points
            GROUP BY m), 0)
    WHERE item_id = item
    $$;
