import type { Hono } from 'hono';
import { deleteCookie, setSignedCookie } from 'hono/cookie';
import { endSession, startSession } from '../db/sessions.ts';
import { AppError } from '../errors.ts';
import { ADMIN_LOGIN_LIMIT, clearRateLimit, hitRateLimit, rateLimitSubject } from '../forms/rate-limit.ts';
import { translator } from '../i18n/index.ts';
import { secretsEqual, sha256 } from '../ids.ts';
import { documentOf } from '../views/Page.tsx';
import { afterSignIn } from './admin-path.ts';
import { COOKIE, csrfTokenFor, sessionOf, signingSecret, type AdminEnv } from './session-cookie.ts';
import { ownerTimeZone } from './time-zone.ts';
import { LoginPage } from './views/LoginPage.tsx';
import { adminUi } from './views/ui.tsx';
import { postedFields } from './posted-fields.ts';

// Signing in and out of the admin, and the gate every later admin route stands behind.

const SESSION_MS = 12 * 3_600_000;

export const notFromAdmin = () =>
  new AppError('csrf', 'This action was not sent from a Formharbor page; nothing was changed', { said: { key: 'problem.csrf' } });

/**
 * GET and POST /login, then the session gate (a page without a session asks to sign in; a post
 * also needs the session's CSRF token), then POST /logout. Routes added after this need a session.
 */
export function addSignIn(admin: Hono<AdminEnv>): void {
  // A refresh after a wrong password, or a bookmark: the admin's home signs in when needed.
  admin.get('/login', (c) => c.redirect('/admin', 303));
  admin.post('/login', async (c) => {
    const { deps } = c.var;
    const body = await postedFields(c);
    const ip = deps.clientIp(c) ?? 'unknown';
    // Always counted, off or on: guessing the password must stay slow.
    const loginKey = `login:${sha256(rateLimitSubject(ip))}`;
    const limited = await hitRateLimit(deps, ADMIN_LOGIN_LIMIT, loginKey);
    if (limited) {
      const said = { key: 'login.tooMany', values: { n: Math.ceil(limited.retryAfter / 60) } } as const;
      throw new AppError('rate_limited', translator('en')(said.key, said.values), { ...limited, said });
    }
    if (typeof body.password !== 'string' || !secretsEqual(body.password, deps.config.adminPassword)) {
      return c.html(documentOf(LoginPage({ ui: adminUi(c), error: c.var.t('login.wrong'), next: afterSignIn(body.next) })), 401);
    }
    // Only guesses should count: the owner signing in often must not lock themselves out.
    await clearRateLimit(deps, loginKey);
    await setSignedCookie(c, COOKIE, await startSession(deps.db, deps.now(), SESSION_MS), signingSecret(c), {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/admin',
      secure: deps.config.publicUrl.startsWith('https:'),
      maxAge: SESSION_MS / 1000,
    });
    return c.redirect(afterSignIn(body.next), 303);
  });

  // Everything below needs a session; state changes also need the page's CSRF token.
  admin.use(async (c, next) => {
    const session = await sessionOf(c);
    if (!session) {
      const asked = new URL(c.req.url);
      if (c.req.method === 'GET') return c.html(documentOf(LoginPage({ ui: adminUi(c), next: asked.pathname + asked.search })));
      // A post after the session ended: back to the page it was sent from (same-origin Referer).
      const from = URL.canParse(c.req.header('referer') ?? '') ? new URL(c.req.header('referer')!) : undefined;
      const back = from?.origin === asked.origin ? afterSignIn(from.pathname + from.search) : undefined;
      return c.html(documentOf(LoginPage({ ui: adminUi(c), error: c.var.t('login.again'), next: back })), 401);
    }
    c.set('session', session);
    c.set('csrfToken', csrfTokenFor(c, session));
    c.set('timeZone', (await ownerTimeZone(c)).zone);
    if (c.req.method === 'POST') {
      const body = await postedFields(c);
      if (typeof body._csrf !== 'string' || !secretsEqual(body._csrf, c.var.csrfToken)) {
        throw notFromAdmin();
      }
    }
    await next();
  });

  admin.post('/logout', async (c) => {
    await endSession(c.var.deps.db, c.var.session);
    deleteCookie(c, COOKIE, { path: '/admin' });
    return c.redirect('/admin', 303);
  });
}
