-- The links in local users' profile fields that verified (issue 18): the page at the address
-- links back to the profile with rel="me", as Mastodon checks. Checked again whenever the
-- profile changes; a link that no longer verifies is removed.
CREATE TABLE social.verified_profile_links (
    user_id     uuid        NOT NULL,
    url         text        NOT NULL,
    verified_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, url)
);
