-- The outbox's two foreign keys cost a third of a large check (bench --explain at 200,000
-- wishlists: 644 ms of 1.9 s), one lookup per queued row, to guard inserts that cannot
-- break them: a check writes each message and its items in one statement. What they
-- were really for is the cascade: a deleted shopper's alerts go with them. One trigger
-- per DELETE statement on users does that now, off the hot path.
ALTER TABLE wishlist_alert_messages DROP CONSTRAINT IF EXISTS wishlist_alert_messages_user_id_fkey;
ALTER TABLE wishlist_notifications DROP CONSTRAINT IF EXISTS wishlist_notifications_message_id_fkey;

CREATE OR REPLACE FUNCTION wishlist_alerts_forget_users() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH messages AS (
    DELETE FROM wishlist_alert_messages m USING gone g WHERE m.user_id = g.id RETURNING m.id
  )
  DELETE FROM wishlist_notifications n USING messages m WHERE n.message_id = m.id;
  DELETE FROM wishlist_alert_optouts o USING gone g WHERE o.user_id = g.id;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS wishlist_alerts_forget_users ON users;
CREATE TRIGGER wishlist_alerts_forget_users
  AFTER DELETE ON users REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION wishlist_alerts_forget_users();
