-- Each event is announced with its subject ("character:<uuid>", "user:<uuid>") as the
-- notification's payload, so a process that keeps documents in memory drops exactly what
-- changed (Social's document cache, docs/architecture.md §3). Consumers still only wake.
-- One notification per distinct subject of a transaction: PostgreSQL folds identical ones.
CREATE OR REPLACE FUNCTION core.announce_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scribe_core_events', NEW.subject_kind || ':' || NEW.subject_id::text);
    RETURN NULL;
END
$$;
DROP TRIGGER events_announced ON core.events;
CREATE TRIGGER events_announced AFTER INSERT ON core.events FOR EACH ROW EXECUTE FUNCTION core.announce_events();
