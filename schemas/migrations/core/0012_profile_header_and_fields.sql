-- A header image and profile fields (issue 18), shown by Mastodon on a profile: the header as the
-- actor's `image`, the fields as `PropertyValue` attachments. Public by the user's choice, like
-- the rest of the profile. At most four fields of at most 255 characters each, as Mastodon
-- allows a local account; a field is `{"name": …, "value": …}` in plain text.
ALTER TABLE core.public_profiles
    ADD COLUMN header              bytea,
    ADD COLUMN header_content_type text CHECK (header_content_type IN ('image/png', 'image/jpeg')),
    ADD COLUMN fields              jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array' AND jsonb_array_length(fields) <= 4),
    ADD CONSTRAINT public_profiles_header_type CHECK ((header IS NULL) = (header_content_type IS NULL));
