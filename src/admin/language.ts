import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { isLanguage } from '../i18n/index.ts';
import { rememberLanguage } from '../i18n/request.ts';
import { secretsEqual } from '../ids.ts';
import { afterSignIn } from './admin-path.ts';
import { csrfTokenFor, sessionOf } from './session-cookie.ts';
import { notFromAdmin } from './sign-in.ts';

/**
 * POST /admin/language: the nav's switch. Signed in, it is a state change like any other and its
 * form carries the page's CSRF token; on the sign-in page there is no session to bind one to,
 * and the admin's origin check refuses it from another site. It only ever leads back to a page
 * of this admin.
 */
export function addLanguageRoute<E extends AppEnv>(admin: Hono<E>) {
  admin.post('/language', async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const session = await sessionOf(c);
    if (session && (typeof body._csrf !== 'string' || !secretsEqual(body._csrf, csrfTokenFor(c, session)))) throw notFromAdmin();
    if (isLanguage(body.lang)) rememberLanguage(c, body.lang, c.var.deps.config.publicUrl.startsWith('https:'));
    return c.redirect(afterSignIn(body.back), 303);
  });
}
