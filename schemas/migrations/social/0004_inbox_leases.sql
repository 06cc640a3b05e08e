-- Inbound activities are leased while what they need from other servers is fetched
-- (docs/federation.md, "The inbox"): a worker takes one by moving `leased_until` ahead under a
-- lease of its own (`lease`), fetches with no connection held, then applies it in one short
-- transaction that checks the lease is still its own. A worker that dies leaves its lease to run
-- out; a failed attempt sets the next try's time here too.
ALTER TABLE social.inbox_activities ADD COLUMN leased_until timestamptz;
ALTER TABLE social.inbox_activities ADD COLUMN lease uuid;
