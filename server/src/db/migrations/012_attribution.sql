-- The alerts' proof reads the emails and the alerts accepted in the last 30 days on every
-- console view, /stats call and metrics scrape: indexes of the sent ones by when, carrying
-- what it counts and joins on, so both reads stay in the index (never in the much larger
-- rest of the tables).
CREATE INDEX wishlist_alert_messages_sent_at ON wishlist_alert_messages (sent_at)
  INCLUDE (kind, region, user_id, email_id, id) WHERE status = 'sent';
CREATE INDEX wishlist_alert_items_sent_at ON wishlist_alert_items (sent_at)
  INCLUDE (user_id, product_id, kind, message_id, id) WHERE status = 'sent';
