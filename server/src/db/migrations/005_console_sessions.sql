-- Console sign-ins with the admin token. The cookie holds a random id and a MAC; the
-- database holds a digest of the id, so signing out ends the session on every instance.
CREATE TABLE wishlist_alert_console_sessions (
  id_digest text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
