-- Work queued for Social's workers is announced when its transaction commits (LISTEN/NOTIFY):
-- a verified activity on `scribe_social_inbox`, a delivery on `scribe_social_deliveries`. The
-- workers of every process wake at once, and otherwise wait until their next due time, so an
-- idle server asks the database nothing (docs/federation.md, "Workers").
CREATE FUNCTION social.announce_work() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END
$$;
CREATE TRIGGER inbox_announced AFTER INSERT ON social.inbox_activities
    FOR EACH STATEMENT EXECUTE FUNCTION social.announce_work('scribe_social_inbox');
CREATE TRIGGER deliveries_announced AFTER INSERT ON social.deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION social.announce_work('scribe_social_deliveries');
