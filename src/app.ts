import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { AppEnv } from './app-env.ts';
import { apiRoutes } from './admin/api.ts';
import { adminRoutes } from './admin/routes.ts';
import type { Deps } from './deps.ts';
import { formRoutes } from './forms/routes.ts';
import { handleErrors, notFound } from './http/errors.ts';
import { demoPage, DEMO_CSP, DEMO_FORM_ID } from './demo.ts';
import { getForm } from './db/forms.ts';
import { pruneRateLimits } from './forms/rate-limit.ts';
import { sweepRetention } from './forms/retention.ts';
import { deliveryBacklog } from './db/deliveries.ts';
import { checkSchema } from './db/schema-check.ts';
import { createOutbox, type Outbox } from './mail/outbox.ts';

/** What runs every OUTBOX_INTERVAL on Node and on every cron tick on Workers. */
export const periodicWork = (deps: Deps, outbox: Outbox) => [outbox.run(), pruneRateLimits(deps), sweepRetention(deps)];

/** Builds the whole HTTP surface from injected dependencies; no I/O happens at import. */
export function createApp(deps: Deps, outbox: Outbox = createOutbox(deps)) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });

  app.route('/f', formRoutes(outbox));
  app.route('/api', apiRoutes(outbox));
  app.route('/admin', adminRoutes(outbox));

  app.get('/embed.js', etag(), (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.body(deps.embedJs);
  });

  app.get('/healthz', async (c) => {
    try {
      await checkSchema(deps.db);
      return c.json({ ok: true, db: 'ok', outbox: await deliveryBacklog(deps.db) });
    } catch (error) {
      deps.log.error('health check failed (a missing table or column means a migration was not applied)', { error: String(error) });
      return c.json({ ok: false, db: 'error' }, 503);
    }
  });

  app.get('/', async (c) => {
    const demo = await getForm(deps.db, DEMO_FORM_ID);
    c.header('Content-Security-Policy', DEMO_CSP);
    return c.html(demoPage(deps.config.publicUrl, demo));
  });

  app.notFound(notFound);
  app.onError(handleErrors(deps.log));

  return app;
}
