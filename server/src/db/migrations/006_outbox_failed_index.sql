-- /metrics and the console count failed messages on every scrape; sent messages pile up
-- by the million, failed ones are few, so a partial index keeps the count cheap.
CREATE INDEX IF NOT EXISTS wishlist_alert_messages_failed ON wishlist_alert_messages (id) WHERE status = 'failed';
