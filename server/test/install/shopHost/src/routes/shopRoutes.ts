// Stand-ins for the shop's own routes that the installation meets: its sign-in (which
// fills the session as the shop's authController does), its old wishlist-notification and
// cron admin routes, and a route that writes products as orders do.
import { Router } from 'express';
import type { Pool } from 'pg';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    userEmail?: string;
    authorities?: string[];
  }
}

export function createAuthRoutes(): Router {
  const router = Router();
  // The shop checks a password here; the test names the user and their authorities.
  router.post('/login', (req, res, next) => {
    req.session.userId = Number(req.body.userId);
    req.session.userEmail = String(req.body.email);
    req.session.authorities = req.body.authorities;
    req.session.save((err) => (err ? next(err) : res.json({ success: true })));
  });
  return router;
}

export function createWishlistNotificationRoutes(): Router {
  const router = Router();
  router.post('/check-sales', (_req, res) => res.json({ success: true, message: 'the shop notifier ran' }));
  router.post('/check-stock', (_req, res) => res.json({ success: true, message: 'the shop notifier ran' }));
  router.get('/stats', (_req, res) => res.json({ success: true, data: { from: 'the shop' } }));
  return router;
}

export function createCronRoutes(): Router {
  const router = Router();
  router.post('/trigger/:jobName', (req, res) => res.json({ success: true, message: `the shop ran ${req.params.jobName}` }));
  return router;
}

export function createProductRoutes(pool: Pool): Router {
  const router = Router();
  router.get('/', async (_req, res, next) => {
    try {
      const { rows } = await pool.query('SELECT id, name, stock FROM products ORDER BY id');
      res.json({ success: true, data: rows });
    } catch (err) {
      next(err);
    }
  });
  // An order's stock decrement, as the shop's StockReservationService writes it.
  router.post('/:id/order', async (req, res, next) => {
    try {
      const { rows } = await pool.query('UPDATE products SET stock = stock - $2 WHERE id = $1 RETURNING stock', [req.params.id, req.body.quantity]);
      res.json({ success: true, data: rows[0] });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
