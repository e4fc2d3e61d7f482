-- The outbox. A check writes one message per shopper, kind and region, and one item per
-- wishlist row in it, in the transaction that finds them due. Delivery claims messages,
-- re-checks each item, sends, and records the outcome (here, and in the shop's own logs).
-- No foreign keys to the shop's tables: each would cost a lookup per queued row and lock
-- the shop's rows while a large check runs. Delivery reads them with outer joins and skips
-- an item whose wishlist row, product or shopper is gone.
CREATE TABLE wishlist_alert_messages (
  id bigserial PRIMARY KEY,
  user_id integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'stock')),
  region text NOT NULL CHECK (region IN ('us', 'eu')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  smtp_response text,
  -- The Message-ID of the email it went out in: the daily cap counts emails, and one email
  -- can carry several messages (a digest).
  email_id text,
  -- Set when the daily cap first held the message back: it goes out in a digest.
  held_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX wishlist_alert_messages_due
  ON wishlist_alert_messages (kind, next_attempt_at) WHERE status IN ('pending', 'sending');
-- The daily cap (emails sent to a shopper in the last 24 hours) and the merging of a
-- shopper's other due messages into one email.
CREATE INDEX wishlist_alert_messages_by_user ON wishlist_alert_messages (user_id, status, sent_at);
-- /metrics counts failed messages on every scrape; sent ones pile up by the million.
CREATE INDEX wishlist_alert_messages_failed ON wishlist_alert_messages (id) WHERE status = 'failed';

CREATE TABLE wishlist_alert_items (
  id bigserial PRIMARY KEY,
  message_id bigint NOT NULL,
  wishlist_id integer NOT NULL,
  user_id integer NOT NULL,
  product_id integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('sale', 'stock')),
  -- Which alert this is: '<epoch>' for a restock, '<epoch>:<sale price>' for a sale or a
  -- deeper cut. Each alert is decided once: it has one row here, whatever became of it.
  occurrence text NOT NULL,
  -- In cents, as the email showed them (updated at send time).
  regular_price numeric,
  sale_price numeric,
  stock integer,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (wishlist_id, kind, occurrence)
);
CREATE INDEX wishlist_alert_items_queued ON wishlist_alert_items (wishlist_id, kind) WHERE status = 'queued';
CREATE INDEX wishlist_alert_items_message ON wishlist_alert_items (message_id);
