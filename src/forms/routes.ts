import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.ts';
import { getForm, getFormCached } from '../db/forms.ts';
import type { FieldValue, Form } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { wantsJson } from '../http/errors.ts';
import { sha256 } from '../ids.ts';
import type { Outbox } from '../mail/outbox.ts';
import { PAGE_CSP } from '../pages.ts';
import { formCors } from './cors.ts';
import { bodyGuard } from './body-guard.ts';
import { acceptSubmission } from './intake.ts';
import { knownLimits } from './known-limits.ts';
import { documentOf } from '../views/Page.tsx';
import { ThanksPage } from './views/ThanksPage.tsx';
import { ValidationPage } from './views/ValidationPage.tsx';
import { readFields } from './parse.ts';
import { ticketSecret } from './spam/secret.ts';
import { issueTicket } from './spam/ticket.ts';
import { formWideKey, formWideLimit, hitRateLimit, rateLimitSubject } from './rate-limit.ts';
import { isOriginAllowed, pageOrigin, safeNext } from './redirect.ts';

const BODY_LIMIT = 1024 * 1024;

const tooLarge = () => new AppError('too_large', `The body is larger than ${BODY_LIMIT / 1024 / 1024} MB`);
const countingLimit = bodyLimit({
  maxSize: BODY_LIMIT,
  onError: () => {
    throw tooLarge();
  },
});

const declaresLength = (c: Context) => c.req.header('content-length') !== undefined && c.req.header('transfer-encoding') === undefined;

/**
 * A declared Content-Length settles the limit before anything is read (Node's parser never
 * reads past it). Bodies without one are counted as they are read, in `readLimitedFields`.
 */
const limitBody: MiddlewareHandler = async function limitBody(c, next) {
  const length = c.req.header('content-length');
  if (declaresLength(c) && (!/^\d+$/.test(length!) || Number(length) > BODY_LIMIT)) throw tooLarge();
  await next();
};

/**
 * The fields, read within the body limit. Hono's counting bodyLimit buffers a body without a
 * declared length whole, so it runs here, in the body's read slot and after the known-limit
 * check, not as a middleware ahead of them. It touches `c.req.raw.body`: on
 * @hono/node-server that builds a full Request, measured as the largest single cost of a
 * submission, so a body with a length skips it.
 */
async function readLimitedFields(c: Context) {
  if (!declaresLength(c)) await countingLimit(c, async () => {});
  return readFields(c);
}

export function formRoutes(outbox: Outbox) {
  // Unset for an unknown id until the 404 below: CORS must still answer for it.
  const app = new Hono<AppEnv & { Variables: { form?: Form } }>();
  const guardedRead = bodyGuard();
  const limits = knownLimits();
  const formOf = (c: Context<AppEnv & { Variables: { form?: Form } }>) => {
    const form = c.get('form');
    if (!form) throw new AppError('not_found', 'There is no such form');
    return form;
  };

  // The form first, then CORS, then the 404: a browser can read the 404 of an unknown form.
  app.use('/:formId/ticket', async (c, next) => {
    const deps = c.get('deps');
    const form = await getFormCached(deps.db, c.req.param('formId'), deps.now());
    if (form) c.set('form', form);
    await next();
  });
  app.use('/:formId', async (c, next) => {
    const deps = c.get('deps');
    const form = await getFormCached(deps.db, c.req.param('formId'), deps.now());
    if (form) c.set('form', form);
    await next();
  });

  app.use(
    '/:formId/*',
    formCors({
      allowOrigin: (origin, c) => {
        const allowed = c.get('form')?.allowedOrigins ?? [];
        return allowed.length === 0 ? '*' : allowed.includes(origin) ? origin : null;
      },
      allowMethods: 'POST',
      allowHeaders: 'Content-Type, Accept, Idempotency-Key',
      // The embed waits as long as a 429 asks.
      exposeHeaders: 'Retry-After',
      maxAge: 600,
    }),
  );

  app.use('/:formId/*', async (c, next) => {
    // The thanks page reads its form itself.
    if (!c.req.path.endsWith('/thanks')) formOf(c);
    await next();
  });

  // What the embed asks when the page loads: the signed issue time, and the captcha to render.
  app.get('/:formId/ticket', async (c) => {
    const { db, now } = c.var.deps;
    const form = formOf(c);
    const configured = form.spam.captcha;
    // A reCAPTCHA with a minimum score is v3: the embed asks for a token at each send instead of showing a box.
    const captcha = configured && {
      provider: configured.provider,
      siteKey: configured.siteKey,
      ...(configured.provider === 'recaptcha' && configured.minScore !== undefined && { score: true }),
    };
    c.header('Cache-Control', 'no-store');
    return c.json({ ticket: issueTicket(await ticketSecret(db), form.id, now()), captcha });
  });

  app.post('/:formId', limitBody, async (c) => {
    const deps = c.get('deps');
    const form = formOf(c);
    const origin = pageOrigin(c.req.header('origin'), c.req.header('referer'));
    const ownOrigin = new URL(deps.config.publicUrl).origin;
    // Formharbor's own pages (the demo page, the no-JavaScript 422 page) may always post, under
    // PUBLIC_URL or whichever name the browser used (localhost): no other page can send that Origin.
    if (!isOriginAllowed(form, origin) && origin !== ownOrigin && origin !== new URL(c.req.url).origin) {
      throw new AppError('origin', 'This site may not post to this form');
    }
    const ip = deps.clientIp(c);
    const subject = ip ? rateLimitSubject(ip) : undefined;
    // Kept with the submission and the key of its rate limit: an IPv6 visitor is their /64.
    const ipHash = subject ? sha256(`${form.id}\n${subject}`).slice(0, 32) : undefined;
    // No address known (a Worker request without CF-Connecting-IP): all such posts share one
    // counter, so leaving the header out does not leave the limit behind.
    const limitKey = `${form.id}:${ipHash ?? 'unknown'}`;
    // Before the body: an address over its limit costs no reading or parsing.
    await limits.refuseKnown(deps, limitKey, form.id, c.req.header('idempotency-key'));

    const fields = await guardedRead(subject, () => readLimitedFields(c));
    // Taken before acceptSubmission removes the magic fields, for the 422 page.
    const asSent = [...fields];
    // Relative: right behind any proxy, whatever PUBLIC_URL says.
    const thanks = `/f/${encodeURIComponent(form.id)}/thanks`;
    try {
      const accepted = await acceptSubmission(deps, outbox, form, fields, {
        idempotencyHeader: c.req.header('idempotency-key'),
        ipHash,
        ip,
        userAgent: c.req.header('user-agent'),
        page: c.req.header('referer'),
        redirectFor: (next) => safeNext(form, next, origin, ownOrigin) ?? form.redirectUrl ?? thanks,
        countHit: async () =>
          limits.note(limitKey, deps.now(), await hitRateLimit(deps, deps.config.rateLimit, limitKey)) ??
          (await hitRateLimit(deps, formWideLimit(form.spam.formLimit), formWideKey(form.id))),
      });
      // The embed follows `redirect` when the owner (or an allowed `_next`) named one.
      if (wantsJson(c))
        return c.json({ ok: true, id: accepted.id, ...(accepted.redirect !== thanks && { redirect: accepted.redirect }) }, 201);
      return c.redirect(accepted.redirect || thanks, 303);
    } catch (error) {
      if (error instanceof AppError && error.code === 'validation' && !wantsJson(c)) {
        // What the 422 page puts back: `_next` resolved now, against the visitor's page, because
        // the page re-posts from Formharbor's own origin.
        const asTyped = asSent.flatMap(([name, value]): [string, FieldValue][] => {
          if (name === '_gotcha') return [];
          if (name !== '_next') return [[name, value]];
          const next = safeNext(form, String(value), origin, ownOrigin);
          return next ? [[name, next]] : [];
        });
        c.header('Content-Security-Policy', PAGE_CSP);
        const action = `${deps.config.publicUrl}/f/${encodeURIComponent(form.id)}`;
        const { lang, t } = c.var;
        return c.html(documentOf(ValidationPage({ lang, t, action, errors: error.fields ?? {}, sent: asTyped })), 422);
      }
      throw error;
    }
  });

  app.get('/:formId/thanks', async (c) => {
    const form = await getForm(c.var.deps.db, c.req.param('formId'));
    if (!form) throw new AppError('not_found', 'There is no such form');
    c.header('Content-Security-Policy', PAGE_CSP);
    return c.html(documentOf(ThanksPage({ lang: c.var.lang, t: c.var.t, formName: form.name })));
  });

  return app;
}
