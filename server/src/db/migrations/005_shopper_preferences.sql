-- Shoppers who asked for no wishlist alerts at all (the "stop all wishlist alerts" link,
-- or the account page). Stopping one item's alerts needs no table: it turns off that
-- wishlist row's own notify_on_sale / notify_on_stock, as the account page would.
CREATE TABLE IF NOT EXISTS wishlist_alert_optouts (
  user_id int PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- 'link' (one-click unsubscribe) or 'api' (the monolith's account page)
  source text NOT NULL
);

-- The daily cap counts emails, and one email can carry several outbox messages (a digest),
-- so each sent message records the email it went out in.
ALTER TABLE wishlist_alert_messages
  ADD COLUMN IF NOT EXISTS email_id text,
  -- Set when the daily cap first held the message back: it goes out in a digest.
  ADD COLUMN IF NOT EXISTS held_at timestamptz;

-- Serves both per-shopper lookups of delivery: the emails sent in the last 24 hours
-- (the cap) and the other messages due for the same shopper (merged into one email).
CREATE INDEX IF NOT EXISTS wishlist_alert_messages_by_user ON wishlist_alert_messages (user_id, status, sent_at);
