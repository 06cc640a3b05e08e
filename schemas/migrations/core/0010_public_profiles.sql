-- What a user chooses to show everyone (issue: Web pages): a display name, a short bio and an
-- avatar. Public by the user's choice, like the username, so kept in the clear; never the email.
-- Changing it records UserUpdated, and Social sends the actor's Update to its followers.
CREATE TABLE core.public_profiles (
    user_id             uuid        PRIMARY KEY REFERENCES core.users (id) ON DELETE CASCADE,
    display_name        text        NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 50),
    bio                 text        NOT NULL DEFAULT '' CHECK (char_length(bio) <= 500),
    avatar              bytea,
    avatar_content_type text        CHECK (avatar_content_type IN ('image/png', 'image/jpeg')),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((avatar IS NULL) = (avatar_content_type IS NULL))
);
