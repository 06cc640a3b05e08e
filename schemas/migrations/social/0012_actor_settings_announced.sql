-- A change to a user's actor settings (locked, discoverable, aliases, a move) is announced on
-- `scribe_social_actors` with "user:<uuid>" as its payload, so every process drops its cached
-- copy of that actor's document when the transaction commits (docs/architecture.md §3).
CREATE FUNCTION social.announce_actor_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scribe_social_actors', 'user:' || NEW.user_id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER account_settings_announced AFTER INSERT OR UPDATE ON social.account_settings
    FOR EACH ROW EXECUTE FUNCTION social.announce_actor_settings();
