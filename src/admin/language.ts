import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { isLanguage } from '../i18n/index.ts';
import { rememberLanguage } from '../i18n/request.ts';
import { afterSignIn } from './admin-path.ts';

/**
 * POST /admin/language: the nav's switch. Reachable before signing in (the sign-in page has it
 * too), so it carries no CSRF token; the admin's origin check refuses it from another site,
 * and it only ever leads back to a page of this admin.
 */
export function addLanguageRoute<E extends AppEnv>(admin: Hono<E>) {
  admin.post('/language', async (c) => {
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (isLanguage(body.lang)) rememberLanguage(c, body.lang, c.var.deps.config.publicUrl.startsWith('https:'));
    return c.redirect(afterSignIn(body.back), 303);
  });
}
