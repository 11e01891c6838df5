import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.ts';
import { getForm, getFormCached } from '../db/forms.ts';
import type { Form } from '../db/schema.ts';
import { HttpError } from '../errors.ts';
import { sha256 } from '../ids.ts';
import type { Outbox } from '../mail/outbox.ts';
import { PAGE_CSP } from '../pages.ts';
import { acceptSubmission } from './intake.ts';
import { errorPage, thanksPage, validationPage } from './pages.ts';
import { bodyKind, readFields } from './parse.ts';
import { hitRateLimit } from './rate-limit.ts';
import { isOriginAllowed, pageOrigin, safeNext } from './redirect.ts';

export const BODY_LIMIT = 1024 * 1024;

/** JSON for scripts and the embed; HTML pages for plain form posts. */
export function wantsJson(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('application/json') || bodyKind(c.req.header('content-type')) === 'json';
}

/** The visitor-facing rendering of an error: the contract's JSON envelope or a page. */
export function formErrorResponse(c: Context, error: HttpError) {
  if (error.details.retryAfter) c.header('Retry-After', String(error.details.retryAfter));
  if (wantsJson(c)) return c.json(error.toJSON(), error.status);
  c.header('Content-Security-Policy', PAGE_CSP);
  return c.html(errorPage(error.status, error.message), error.status);
}

export function formRoutes(outbox: Outbox) {
  const app = new Hono<AppEnv & { Variables: { form: Form } }>();

  // The form first, then CORS, then the 404: a browser can read the 404 of an unknown form.
  app.use('/:formId', async (c, next) => {
    const form = await getFormCached(c.var.deps.db, c.req.param('formId'), c.var.deps.now());
    if (form) c.set('form', form);
    await next();
  });

  app.use(
    '/:formId',
    cors({
      origin: (origin, c) => {
        const allowed = (c.var.form as Form | undefined)?.allowedOrigins ?? [];
        return allowed.length === 0 ? '*' : allowed.includes(origin) ? origin : null;
      },
      allowMethods: ['POST'],
      allowHeaders: ['Content-Type', 'Accept', 'Idempotency-Key'],
      // The embed waits as long as a 429 asks.
      exposeHeaders: ['Retry-After'],
      maxAge: 600,
    }),
  );

  app.use('/:formId', async (c, next) => {
    if (!c.var.form) throw new HttpError('not_found', 'There is no such form');
    await next();
  });

  app.post(
    '/:formId',
    bodyLimit({
      maxSize: BODY_LIMIT,
      onError: () => {
        throw new HttpError('too_large', `The body is larger than ${BODY_LIMIT / 1024 / 1024} MB`);
      },
    }),
    async (c) => {
      const { deps } = c.var;
      const form = c.var.form;
      const origin = pageOrigin(c.req.header('origin'), c.req.header('referer'));
      if (!isOriginAllowed(form, origin)) throw new HttpError('origin', 'This site may not post to this form');
      const ip = deps.clientIp(c);
      const ipHash = ip ? sha256(`${form.id}\n${ip}`).slice(0, 32) : undefined;
      const limited = ipHash && (await hitRateLimit(deps, `${form.id}:${ipHash}`));
      if (limited) throw new HttpError('rate_limited', 'Too many submissions; try again later', limited);

      const fields = await readFields(c);
      const sent = [...fields].filter(([name]) => name !== '_gotcha');
      const thanks = `${deps.config.publicUrl}/f/${encodeURIComponent(form.id)}/thanks`;
      try {
        const accepted = await acceptSubmission(deps, outbox, form, fields, {
          idempotencyHeader: c.req.header('idempotency-key'),
          ipHash,
          userAgent: c.req.header('user-agent'),
          page: c.req.header('referer'),
          redirectFor: (next) => safeNext(form, next, origin) ?? form.redirectUrl ?? thanks,
        });
        // The embed follows `redirect` when the owner (or an allowed `_next`) named one.
        if (wantsJson(c)) return c.json({ ok: true, id: accepted.id, ...(accepted.redirect !== thanks && { redirect: accepted.redirect }) }, 201);
        return c.redirect(accepted.redirect || thanks, 303);
      } catch (error) {
        if (error instanceof HttpError && error.code === 'validation' && !wantsJson(c)) {
          c.header('Content-Security-Policy', PAGE_CSP);
          return c.html(validationPage(`${deps.config.publicUrl}/f/${encodeURIComponent(form.id)}`, error.details.fields ?? {}, sent), 422);
        }
        throw error;
      }
    },
  );

  app.get('/:formId/thanks', async (c) => {
    const form = await getForm(c.var.deps.db, c.req.param('formId'));
    if (!form) throw new HttpError('not_found', 'There is no such form');
    c.header('Content-Security-Policy', PAGE_CSP);
    return c.html(thanksPage(form.name));
  });

  return app;
}
