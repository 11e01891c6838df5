import { Hono } from 'hono';
import { etag } from 'hono/etag';
import type { AppEnv } from './app-env.ts';
import { apiRoutes } from './admin/api.ts';
import { adminRoutes } from './admin/routes.ts';
import type { Deps } from './deps.ts';
import { formRoutes } from './forms/routes.ts';
import { handleErrors, notFound } from './http/errors.ts';
import { DEMO_CSP, DEMO_FORM_ID } from './demo.ts';
import { DemoPage } from './forms/views/DemoPage.tsx';
import { languageMiddleware } from './i18n/request.ts';
import { documentOf } from './views/Page.tsx';
import { STYLESHEET, STYLESHEET_PATH } from './views/style.ts';
import { getForm } from './db/forms.ts';
import { pruneRateLimits } from './forms/rate-limit.ts';
import { sweepRetention } from './forms/retention.ts';
import { deliveryBacklog } from './db/delivery-reads.ts';
import { checkSchema } from './db/schema-check.ts';
import { checkIncidents } from './mail/incidents.ts';
import { createOutbox, type Outbox } from './mail/outbox.ts';

/** What runs every OUTBOX_INTERVAL on Node and on every cron tick on Workers. */
export const periodicWork = (deps: Deps, outbox: Outbox) => [
  outbox.run(),
  pruneRateLimits(deps),
  sweepRetention(deps),
  checkIncidents(deps, outbox),
];

/** Builds the whole HTTP surface from injected dependencies; no I/O happens at import. */
export function createApp(deps: Deps, outbox: Outbox = createOutbox(deps)) {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use(languageMiddleware());

  // Named by its content's hash: a new version is a new address, so browsers may keep it a year.
  app.get(STYLESHEET_PATH, (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(STYLESHEET);
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
    return c.html(documentOf(DemoPage({ lang: c.var.lang, t: c.var.t, publicUrl: deps.config.publicUrl, demo })));
  });

  app.notFound(notFound);
  // `deps` is read per request, never while building: the Worker builds one app for every request (worker.ts).
  app.onError((error, c) => handleErrors(deps.log)(error, c));

  return app;
}
