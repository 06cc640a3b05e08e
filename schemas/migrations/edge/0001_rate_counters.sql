-- Requests counted per client and per minute for rate limits (docs/operations.md), shared by
-- every Scribe process on this database so a limit holds however many processes serve.
-- UNLOGGED: counters are worth nothing after a crash, and skipping the WAL keeps a counted
-- request to one cheap upsert.
CREATE UNLOGGED TABLE edge.rate_counters (
    bucket       text        NOT NULL CHECK (length(bucket) <= 300),
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
