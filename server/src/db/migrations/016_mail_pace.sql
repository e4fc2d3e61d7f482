-- The pace of each store's mail, shared by every instance that delivers (they share this
-- database, so the provider's limit holds for all of them together). A sender reserves its
-- next send slots here: next_at moves on by one interval per slot taken.
CREATE TABLE wishlist_alert_mail_pace (
  region text PRIMARY KEY,
  -- The configured limit (emails a second); NULL: none.
  ceiling double precision CHECK (ceiling IS NULL OR ceiling > 0),
  -- The pace now: the ceiling, or less after the provider throttled us; NULL: no limit.
  rate double precision CHECK (rate IS NULL OR rate > 0),
  -- The first slot not yet reserved.
  next_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- When the pace last went up (it comes back gradually after a throttling).
  raised_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- The last throttling refusal, and how many there have been.
  throttled_at timestamptz,
  throttled_reply text,
  throttles bigint NOT NULL DEFAULT 0,
  -- An unlimited store once throttled: the pace it was sending at, where it goes back to no limit.
  probe_to double precision
);
