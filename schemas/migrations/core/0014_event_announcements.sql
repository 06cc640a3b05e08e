-- Each transaction that appends to the event log announces it on the channel
-- `scribe_core_events` when it commits (LISTEN/NOTIFY), so consumers in every process wake at
-- once instead of polling (docs/architecture.md §3). One notification per transaction: the
-- trigger runs once per statement, and PostgreSQL folds identical notifications of a
-- transaction into one.
CREATE FUNCTION core.announce_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scribe_core_events', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER events_announced AFTER INSERT ON core.events FOR EACH STATEMENT EXECUTE FUNCTION core.announce_events();
