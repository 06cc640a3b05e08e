-- An owner's note on an update of a published item ("Fixed her greeting."), which the
-- marketplace shows as that version's changelog. Written for the public by the owner, so kept in
-- the clear with the event that records the change.
ALTER TABLE core.events ADD COLUMN note text CHECK (char_length(note) BETWEEN 1 AND 500);
