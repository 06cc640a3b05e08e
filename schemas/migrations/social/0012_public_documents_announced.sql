-- A change to what a user's public documents are made of in Social's tables (the actor's
-- settings: locked, discoverable, aliases, a move; the outbox's published objects) is announced
-- on `scribe_social_documents` with "user:<uuid>" as its payload, so every process drops its
-- cached copies of that user's actor and outbox when the transaction commits
-- (docs/architecture.md §3).
CREATE FUNCTION social.announce_public_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scribe_social_documents', 'user:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END).user_id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER account_settings_announced AFTER INSERT OR UPDATE OR DELETE ON social.account_settings
    FOR EACH ROW EXECUTE FUNCTION social.announce_public_documents();

CREATE FUNCTION social.announce_published_objects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('scribe_social_documents', 'user:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END).owner_id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER published_objects_announced AFTER INSERT OR UPDATE OR DELETE ON social.published_objects
    FOR EACH ROW EXECUTE FUNCTION social.announce_published_objects();
