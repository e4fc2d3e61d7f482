-- The watch finds a new regular price that finished settling since its last look among the
-- few observations whose regular_observed_at falls in that interval, as it does for sales
-- and restocks (008): without this index that part of an idle look would read every
-- observation.
CREATE INDEX wishlist_alert_products_regular_observed ON wishlist_alert_products (regular_observed_at) WHERE regular_observed_at IS NOT NULL;
