-- Actors' signing keys (DESIGN.md §4, §6): an RSA-2048 key per user, made at registration, and
-- one for the instance actor that signs the server's own fetches. The private key (PKCS#8 DER)
-- is sealed under the server master key named in master_key_id; only Core opens it, to sign what
-- Social asks it to sign, so no other module ever holds a private key.
--
-- A deleted account's key outlives it briefly (retired_at set, no foreign key), so the Delete of
-- its actor can still be signed and verified by followers' servers; the session sweeper removes
-- retired keys after seven days. It is a server key, not the user's data.
CREATE TABLE core.actor_keys (
    -- The user's id, or the nil UUID for the instance actor.
    id                uuid        PRIMARY KEY,
    user_id           uuid        UNIQUE,
    public_key_pem    text        NOT NULL,
    master_key_id     text        NOT NULL,
    private_key       bytea       NOT NULL,
    private_key_nonce bytea       NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    retired_at        timestamptz,
    CHECK (CASE WHEN user_id IS NULL THEN id = '00000000-0000-0000-0000-000000000000' ELSE id = user_id END)
);

-- Rotation finds what a master key still wraps.
CREATE INDEX actor_keys_master_key ON core.actor_keys (master_key_id);
