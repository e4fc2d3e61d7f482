// The shape of the shop's server/src/index.ts, in the order its parts come there: CORS that
// reflects any origin with credentials, body parsers, region detection, sessions in
// PostgreSQL (saveUninitialized: true, for guest carts), static files, its own CronService
// with its jobs (the two wishlist jobs among them), its routes, a catch-all 404, its error
// handler, listen, and a graceful shutdown that closes the HTTP server and exits.
import express from 'express';
import cors from 'cors';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import path from 'path';
import { Server } from 'http';
import { pool } from './config/database';
import { CronService } from './services/CronService';
import { WishlistNotificationService } from './services/WishlistNotificationService';
import { createAuthRoutes, createCronRoutes, createProductRoutes, createWishlistNotificationRoutes } from './routes/shopRoutes';

const app = express();
const PORT = parseInt(process.env.PORT || '3001', 10);

app.set('trust proxy', 1);
const PgSession = connectPgSimple(session);

const corsOptions = { origin: true, credentials: true, methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] };
app.use(cors(corsOptions));
app.options('*', cors(corsOptions));

app.use(express.json());
app.use(express.urlencoded({ extended: true }));

app.use((req, _res, next) => {
  (req as express.Request & { region?: string }).region = req.get('x-region') === 'eu' ? 'eu' : 'us';
  next();
});

app.use(session({
  store: new PgSession({ pool, tableName: 'user_sessions' }),
  secret: process.env.SESSION_SECRET || 'shop-session-secret',
  resave: false,
  saveUninitialized: true,
  name: 'connect.sid',
  cookie: { secure: false, httpOnly: true, maxAge: 7 * 24 * 60 * 60 * 1000, sameSite: 'lax', path: '/' },
}));

app.use('/uploads', express.static(path.join(__dirname, '../uploads')));

const cronService = new CronService(pool);
cronService.initialize();

const wishlistNotificationService = new WishlistNotificationService(pool);

cronService.addJob(
  'wishlist-sale-check',
  { schedule: '0 * * * *', enabled: process.env.WISHLIST_SALE_CHECK_ENABLED !== 'false', description: 'Check wishlist items for sales', timezone: process.env.TZ || 'America/New_York' },
  async () => {
    const result = await wishlistNotificationService.checkSales();
    console.log(`✅ Wishlist sale check complete: ${result.notified} notifications sent`);
  }
);

cronService.addJob(
  'wishlist-stock-check',
  { schedule: '*/30 * * * *', enabled: process.env.WISHLIST_STOCK_CHECK_ENABLED !== 'false', description: 'Check wishlist items for stock', timezone: process.env.TZ || 'America/New_York' },
  async () => {
    const result = await wishlistNotificationService.checkStock();
    console.log(`✅ Wishlist stock check complete: ${result.notified} notifications sent`);
  }
);

console.log('✅ Wishlist notification cron jobs registered');

cronService.addJob(
  'cart-reminder-check',
  { schedule: '0 * * * *', enabled: process.env.CART_REMINDER_ENABLED !== 'false', description: 'Abandoned carts', timezone: process.env.TZ || 'America/New_York' },
  async () => {
    console.log('🔄 Running cart reminder check...');
  }
);

app.use('/api/auth', createAuthRoutes());
app.use('/api/products', createProductRoutes(pool));
app.use('/api/admin/cron', createCronRoutes());
app.use('/api/admin/wishlist-notifications', createWishlistNotificationRoutes());

app.get('/health', (_req, res) => {
  res.json({ success: true, message: 'Server is running' });
});

app.use('*', (req, res) => {
  res.status(404).json({ success: false, error: { code: 'NOT_FOUND', message: 'Endpoint not found', path: req.originalUrl } });
});

app.use((err: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
  res.status(err.status ?? 500).json({ success: false, error: { code: 'SHOP_ERROR', message: err.message } });
});

const HOST = '0.0.0.0';
const server: Server = app.listen(PORT, HOST, () => {
  const address = server.address();
  console.log(`🚀 Server is running on ${HOST}:${typeof address === 'object' && address ? address.port : PORT}`);
});

const gracefulShutdown = (signal: NodeJS.Signals) => {
  console.warn(`[Lifecycle] Received ${signal}. Closing HTTP server at ${new Date().toISOString()}`);
  server.close(() => {
    console.warn('[Lifecycle] HTTP server closed. Exiting process.');
    process.exit(0);
  });

  setTimeout(() => {
    console.error('[Lifecycle] Forced shutdown due to timeout.');
    process.exit(1);
  }, 10000).unref();
};

['SIGTERM', 'SIGINT'].forEach((signal) => {
  process.on(signal, () => gracefulShutdown(signal as NodeJS.Signals));
});

process.on('unhandledRejection', (reason) => {
  console.error('[Unhandled] Unhandled promise rejection:', reason);
});

export default app;
