-- When an account last moved away (issue 18): as Mastodon, an account moves at most once in 30
-- days, so a stolen session cannot bounce its followers from server to server.
ALTER TABLE social.account_settings ADD COLUMN moved_at timestamptz;
UPDATE social.account_settings SET moved_at = updated_at WHERE moved_to IS NOT NULL;
