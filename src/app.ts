import { Hono, type Context } from 'hono';
import { etag } from 'hono/etag';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './app-env.ts';
import { apiRoutes } from './admin/api.ts';
import { adminRoutes } from './admin/routes.ts';
import type { Deps } from './deps.ts';
import { HttpError } from './errors.ts';
import { errorPageResponse } from './forms/pages.ts';
import { formErrorResponse, formRoutes, wantsJson } from './forms/routes.ts';
import { demoPage, DEMO_CSP, DEMO_FORM_ID } from './demo.ts';
import { getForm } from './db/forms.ts';
import { pruneRateLimits } from './forms/rate-limit.ts';
import { deliveryBacklog } from './db/deliveries.ts';
import { checkSchema } from './db/schema-check.ts';
import { createOutbox, type Outbox } from './mail/outbox.ts';

/** What runs every OUTBOX_INTERVAL on Node and on every cron tick on Workers. */
export const periodicWork = (deps: Deps, outbox: Outbox) => [outbox.run(), pruneRateLimits(deps)];

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

  // Scripts get the JSON envelope on /api; everything else is answered like a form post.
  const renderError = (c: Context<AppEnv>, error: HttpError) =>
    c.req.path.startsWith('/api/') ? c.json(error.toJSON(), error.status) : formErrorResponse(c, error);

  app.notFound((c) => renderError(c, new HttpError('not_found', 'Nothing here')));

  app.onError((error, c) => {
    if (error instanceof HttpError) return renderError(c, error);
    if (error instanceof HTTPException) return error.getResponse();
    // The visitor hung up before the body arrived: nothing was stored and nobody reads an answer.
    if (c.req.raw.signal.aborted) {
      // The error's first line still shows, in case something else failed meanwhile.
      deps.log.info('request abandoned by the visitor', { path: c.req.path, error: String(error) });
      return c.body(null, 400);
    }
    // A reference the visitor can quote, made only here: an id on every response cost ~5% of a submission's CPU.
    const requestId = crypto.randomUUID();
    deps.log.error('unhandled error', { requestId, path: c.req.path, error: error.stack ?? String(error) });
    if (c.req.path.startsWith('/api/') || wantsJson(c)) return c.json({ ok: false, error: 'internal', requestId }, 500);
    return errorPageResponse(c, 500, `Something went wrong on our side (request ${requestId}).`);
  });

  return app;
}
