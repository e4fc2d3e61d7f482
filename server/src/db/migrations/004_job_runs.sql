-- Run history, and the claims that make each scheduled tick run on exactly one instance.
-- Every instance schedules the jobs; the first to insert the (job, slot) row runs the tick.
-- At most one row per job is 'running' (any trigger, any instance), so a run never
-- overlaps another; a running row whose lease ran out (its instance died) is marked
-- 'abandoned' by the next claimant and blocks nothing.
CREATE TABLE wishlist_alert_runs (
  id bigserial PRIMARY KEY,
  job text NOT NULL,
  -- The scheduled time this run serves; null for a manual run.
  slot timestamptz,
  trigger text NOT NULL CHECK (trigger IN ('scheduled', 'manual', 'catch-up')),
  -- Who started a manual run: 'token', or the shop's user id and e-mail.
  triggered_by text,
  instance_id text NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  duration_ms integer,
  lease_until timestamptz NOT NULL,
  result jsonb,
  error text
);
CREATE UNIQUE INDEX wishlist_alert_runs_one_per_slot ON wishlist_alert_runs (job, slot) WHERE slot IS NOT NULL;
CREATE UNIQUE INDEX wishlist_alert_runs_one_running ON wishlist_alert_runs (job) WHERE status = 'running';
CREATE INDEX wishlist_alert_runs_by_job ON wishlist_alert_runs (job, id DESC);
CREATE INDEX wishlist_alert_runs_by_status ON wishlist_alert_runs (status, id DESC);
