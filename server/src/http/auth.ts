import { createHash, timingSafeEqual } from 'crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer-token check in constant time (hashing first makes the lengths equal too). */
export function requireAdminToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      res.set('WWW-Authenticate', 'Bearer realm="wishlist-jobs"');
      throw new HttpError(401, 'Authentication required: send Authorization: Bearer <ADMIN_API_TOKEN>');
    }
    next();
  };
}
