import { z } from 'zod';
import type { Database } from '../../db/database';
import { login, logout, SESSION_COOKIE, setLocale } from '../../services/auth/users';
import { requireActor, type ZApp } from '../http';

export function registerAuthRoutes(app: ZApp, db: Database): void {
  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with username and password; sets the session cookie',
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) }),
      },
    },
    async (req, reply) => {
      const { token, user, expiresAt } = await login(db, req.body.username, req.body.password);
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: req.protocol === 'https',
        expires: expiresAt,
      });
      return { user };
    },
  );
  app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'End the session' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
  app.get('/api/me', { schema: { tags: ['auth'], summary: 'The logged-in user' } }, async (req) => {
    requireActor(req);
    return req.user;
  });
  app.put(
    '/api/me/locale',
    { schema: { tags: ['auth'], summary: 'Persist the UI language', body: z.object({ locale: z.enum(['zh-CN', 'en-US']) }) } },
    async (req) => {
      const actor = requireActor(req);
      await setLocale(db, actor.userId, req.body.locale);
      return { locale: req.body.locale };
    },
  );
}
