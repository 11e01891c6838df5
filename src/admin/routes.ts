import { Hono, type Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { getForm, listForms } from '../db/forms.ts';
import { allSubmissions, getSubmission, listSubmissions, setSubmissionStatus, withDeliveries } from '../db/submissions.ts';
import { HttpError } from '../errors.ts';
import { ADMIN_LOGIN_LIMIT, clearRateLimit, hitRateLimit } from '../forms/rate-limit.ts';
import { secretsEqual, sha256 } from '../ids.ts';
import { deliveryAttemptsOf, deliveryBacklog, type Outbox } from '../mail/outbox.ts';
import { toCsv } from './export.ts';
import { pageOf, parseOr422, queryOf, retryDelivery, submissionQuery } from './api.ts';
import { endSession, isLiveSession, startSession } from './sessions.ts';
import { formPage, homePage, loginPage, submissionPage } from './views.ts';

const COOKIE = 'fh_session';
const SESSION_MS = 12 * 3_600_000;
const PAGE_SIZE = 50;
// No script at all, and forms may post only back to the admin itself.
const ADMIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

type AdminEnv = AppEnv & { Variables: { session: string; csrfToken: string } };

/** Changing the password or the token signs every session out. */
const signingSecret = <E extends AppEnv>(c: Context<E>) => `${c.var.deps.config.adminPassword}\n${c.var.deps.config.adminToken}`;

/** The id of this browser's session while it lasts and has not signed out. */
async function sessionOf<E extends AppEnv>(c: Context<E>): Promise<string | undefined> {
  const id = await getSignedCookie(c, signingSecret(c), COOKIE);
  return id && (await isLiveSession(c.var.deps.db, id, c.var.deps.now())) ? id : undefined;
}

const notFromAdmin = () => new HttpError('csrf', 'This action was not sent from a Formharbor page; nothing was changed');

const csrfTokenFor = async <E extends AppEnv>(c: Context<E>, session: string) => sha256(`csrf\n${session}\n${signingSecret(c)}`);

/** The posted form's fields; a body that does not parse is the sender's error (400), not ours. */
async function postedFields(c: Context) {
  try {
    return await c.req.parseBody();
  } catch {
    throw new HttpError('bad_request', 'The form body is malformed');
  }
}

export function adminRoutes(outbox: Outbox) {
  const admin = new Hono<AdminEnv>();
  // Browsers send Origin on POST: a cross-site form post is refused before anything else.
  // Sign-in is reachable without a session: its body must be small before it is parsed.
  admin.use(
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new HttpError('too_large', 'The form is larger than 64 KB');
      },
    }),
  );
  const sameOrigin = csrf({
    origin: (origin, c) => origin === new URL(c.req.url).origin || origin === new URL((c as Context<AppEnv>).var.deps.config.publicUrl).origin,
  });
  // Hono's refusal is a bare text "Forbidden"; the visitor gets the admin's own 403 page.
  admin.use(async (c, next) => {
    try {
      await sameOrigin(c, next);
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403) throw notFromAdmin();
      throw error;
    }
  });
  admin.use(async (c, next) => {
    c.header('Content-Security-Policy', ADMIN_CSP);
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    await next();
  });

  admin.post('/login', async (c) => {
    const { deps } = c.var;
    const body = await postedFields(c);
    const ip = deps.clientIp(c) ?? 'unknown';
    // Always counted, off or on: guessing the password must stay slow.
    const loginKey = `login:${sha256(ip)}`;
    const limited = await hitRateLimit(deps, ADMIN_LOGIN_LIMIT, loginKey);
    if (limited) throw new HttpError('rate_limited', 'Too many sign-in attempts; try again later', limited);
    if (typeof body.password !== 'string' || !(await secretsEqual(body.password, deps.config.adminPassword))) {
      return c.html(loginPage('Wrong password'), 401);
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
    return c.redirect('/admin', 303);
  });

  // Everything below needs a session; state changes also need the page's CSRF token.
  admin.use(async (c, next) => {
    const session = await sessionOf(c);
    if (!session) return c.req.method === 'GET' ? c.html(loginPage()) : c.html(loginPage('Please sign in again'), 401);
    c.set('session', session);
    c.set('csrfToken', await csrfTokenFor(c, session));
    if (c.req.method === 'POST') {
      const body = await postedFields(c);
      if (typeof body._csrf !== 'string' || !(await secretsEqual(body._csrf, c.var.csrfToken))) {
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

  admin.get('/', async (c) => {
    const { db } = c.var.deps;
    return c.html(homePage(c.var.csrfToken, await listForms(db, { limit: 100 }), await deliveryBacklog(db)));
  });

  admin.get('/forms/:id', async (c) => {
    const { db } = c.var.deps;
    const form = await getForm(db, c.req.param('id'));
    if (!form) throw new HttpError('not_found', 'There is no such form');
    const query = parseOr422(submissionQuery.omit({ limit: true }), queryOf(c));
    const { items, nextCursor } = pageOf(await listSubmissions(db, { ...query, formId: form.id, limit: PAGE_SIZE + 1 }), PAGE_SIZE);
    return c.html(formPage(c.var.csrfToken, c.var.deps.config.publicUrl, form, await withDeliveries(db, items), query, nextCursor));
  });

  admin.get('/forms/:id/export.csv', async (c) => {
    const form = await getForm(c.var.deps.db, c.req.param('id'));
    if (!form) throw new HttpError('not_found', 'There is no such form');
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${form.id}-submissions.csv"`);
    return c.body(toCsv(await allSubmissions(c.var.deps.db, form.id)));
  });

  admin.get('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const submission = await getSubmission(db, c.req.param('id'));
    if (!submission) throw new HttpError('not_found', 'There is no such submission');
    const [row] = await withDeliveries(db, [submission]);
    const history = await Promise.all(row!.deliveries.map((d) => deliveryAttemptsOf(db, d.id)));
    const form = await getForm(db, submission.formId);
    return c.html(submissionPage(c.var.csrfToken, form!, row!, history));
  });

  admin.post('/submissions/:id/status', async (c) => {
    const { status } = parseOr422(z.object({ status: z.enum(['inbox', 'spam', 'archived']) }), await postedFields(c));
    const row = await setSubmissionStatus(c.var.deps.db, c.req.param('id'), status);
    if (!row) throw new HttpError('not_found', 'There is no such submission');
    return c.redirect(`/admin/submissions/${row.id}`, 303);
  });

  admin.post('/deliveries/:id/retry', async (c) => {
    const delivery = await retryDelivery(c.var.deps, outbox, c.req.param('id'));
    return c.redirect(`/admin/submissions/${delivery.submissionId}`, 303);
  });

  return admin;
}
