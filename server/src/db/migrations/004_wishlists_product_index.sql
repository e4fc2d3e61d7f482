-- Lets the checks start from the few products that changed (a normal hour: a handful on
-- sale or restocked) instead of scanning every wishlist row; for a storewide sale the
-- planner still prefers one hash join over the whole table. The monolith's own
-- UNIQUE (user_id, product_id) index cannot serve lookups by product.
-- On a very large live table, create it first with CREATE INDEX CONCURRENTLY (outside a
-- transaction); this migration then finds it and does nothing.
CREATE INDEX IF NOT EXISTS wishlists_product_id ON wishlists (product_id);
