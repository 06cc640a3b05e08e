-- Moving accounts (docs/federation.md, "Moving an account"). `also_known_as` holds the actor ids
-- a user names as their other accounts, so that one of them may move here; `moved_to` the actor
-- this account moved to, once it has. Both go out in the actor document.
ALTER TABLE social.account_settings ADD COLUMN also_known_as text[] NOT NULL DEFAULT '{}';
ALTER TABLE social.account_settings ADD COLUMN moved_to text;
