-- The watch: every few seconds one instance (the lease holder) looks for products written
-- since its last look, or whose sale window or settle time passed since, and checks those.
CREATE TABLE wishlist_alert_watch (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  holder text,
  lease_until timestamptz,
  -- The rules' time of the last look: sale windows and settle times that pass after it
  -- are the next look's business.
  looked_at timestamptz,
  -- The snapshot of the last look: a row written by a transaction it does not see (one
  -- still in progress then, or a later one) is looked at, however late that commits.
  snapshot pg_snapshot
);
INSERT INTO wishlist_alert_watch DEFAULT VALUES;

-- The looks that found changes, for the operator ("what did it act on in the last hour");
-- kept for a day.
CREATE TABLE wishlist_alert_watch_looks (
  id bigserial PRIMARY KEY,
  looked_at timestamptz NOT NULL,
  instance_id text NOT NULL,
  products integer NOT NULL,
  queued integer NOT NULL
);
CREATE INDEX wishlist_alert_watch_looks_at ON wishlist_alert_watch_looks (looked_at);
