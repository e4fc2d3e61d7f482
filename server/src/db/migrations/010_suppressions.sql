-- Addresses no alert is sent to: the mail server refused the recipient for good (a 5xx at
-- RCPT TO such as 550 5.1.1), the provider reported a permanent bounce, or the shopper
-- marked an alert as spam. Keyed by the address exactly as the shop's users.email stores it
-- (case and all): delivery compares it with users.email as it is then, so a shopper who
-- changes their address is no longer held back by the old one, with nothing to clean up.
CREATE TABLE wishlist_alert_suppressions (
  id bigserial PRIMARY KEY,
  address text NOT NULL UNIQUE,
  -- 'smtp' (our mail server's refusal), 'notification' (the provider's bounce report) or
  -- 'complaint' (the provider's complaint report; the shopper is also opted out).
  source text NOT NULL CHECK (source IN ('smtp', 'notification', 'complaint')),
  -- The server's reply or the report's words, addresses in it masked.
  reason text NOT NULL,
  -- When the address was first put on the list, and when it was last reported.
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- How many refusals or reports named it.
  reports integer NOT NULL DEFAULT 1
);
