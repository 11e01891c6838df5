import { Hono, type Context } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import type { Deps } from '../deps.ts';
import { createForm, deleteForm, getForm, listForms, updateForm } from '../db/forms.ts';
import { deliveryStatuses, type Delivery } from '../db/schema.ts';
import { allSubmissions, deleteSubmission, getSubmission, listSubmissions, setSubmissionStatus, withDeliveries } from '../db/submissions.ts';
import { HttpError, isUniqueViolation, type FieldErrors } from '../errors.ts';
import { formInput, formPatch } from '../forms/definition.ts';
import { isPlainAddress } from '../forms/email.ts';
import { secretsEqual } from '../ids.ts';
import { deliveryAttemptsOf, listDeliveries, type Outbox } from '../mail/outbox.ts';
import { renderTestMessage } from '../mail/render.ts';
import { exportQuery, exportResponse } from './export.ts';
import { presentDelivery, presentForm, presentSubmission } from './present.ts';

const unauthorized = () =>
  new Response(JSON.stringify({ ok: false, error: 'unauthorized', message: 'Send Authorization: Bearer <ADMIN_TOKEN>' }), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="formharbor"' },
  });

function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) (fields[issue.path.join('.') || '_'] ??= []).push(issue.message);
  return fields;
}

/** Parses with a zod schema, or throws the contract's 422 with messages per field. */
export function parseOr422<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError('validation', 'Some fields are not valid', { fields: fieldErrors(result.error) });
  return result.data;
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new HttpError('bad_request', 'The body must be JSON');
  }
}

/** The query string without empty values: an HTML form's "any" option sends `status=`, meaning no filter. */
export const queryOf = (c: Context) => Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));

const page = z.object({
  // Larger limits are served as 100, the most a page holds.
  limit: z.coerce.number().int().min(1).default(50).transform((n) => Math.min(n, 100)),
  cursor: z.string().max(100).optional(),
});
export const submissionQuery = page.extend({ status: z.enum(['inbox', 'spam', 'archived']).optional(), q: z.string().max(200).optional() });
export const deliveryQuery = page.extend({ status: z.enum(deliveryStatuses).optional() });

/**
 * One page from a query asked for `limit + 1` rows: the extra row only tells that another
 * page exists, so the last page ends with a null cursor even when it is exactly full.
 */
export function pageOf<T extends { id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[limit - 1]!.id : null };
}

const found = <T>(row: T | undefined, what: string): T => {
  if (!row) throw new HttpError('not_found', `There is no such ${what}`);
  return row;
};

/** Makes a delivery due now and wakes the outbox; 404 when it does not exist, 409 while a worker holds it. */
export async function retryDelivery(deps: Deps, outbox: Outbox, id: string): Promise<Delivery> {
  const retried = await outbox.retry(id);
  if (!retried) {
    found((await listDeliveries(deps.db, { ids: [id], limit: 1 }))[0], 'delivery');
    throw new HttpError('conflict', 'This delivery is being sent right now; retry after it settles');
  }
  if (deps.mailer) deps.defer(outbox.run());
  return retried;
}

const API_BODY_LIMIT = 256 * 1024;

/** Where a test message goes: one plain address (the CLI's `mail test --to` too). */
export const mailTestInput = z.object({ to: z.string().max(254).refine(isPlainAddress, 'must be a plain email address') });

export function apiRoutes(outbox: Outbox) {
  const api = new Hono<AppEnv>();
  api.use(
    bearerAuth({
      verifyToken: (token, c) => secretsEqual(token, (c as Context<AppEnv>).var.deps.config.adminToken),
      noAuthenticationHeader: { message: unauthorized },
      invalidAuthenticationHeader: { message: unauthorized },
      invalidToken: { message: unauthorized },
    }),
  );
  // Forms and patches are a few KB; the token does not entitle anyone to fill the memory.
  api.use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: () => {
        throw new HttpError('too_large', `The body is larger than ${API_BODY_LIMIT / 1024} KB`);
      },
    }),
  );

  api.post('/forms', async (c) => {
    const input = parseOr422(formInput, await jsonBody(c));
    try {
      return c.json(presentForm(await createForm(c.var.deps.db, input, c.var.deps.now())), 201);
    } catch (error) {
      if (isUniqueViolation(error)) throw new HttpError('conflict', `A form with the id "${input.id}" exists`);
      throw error;
    }
  });
  api.get('/forms', async (c) => {
    const { limit, cursor } = parseOr422(page, queryOf(c));
    const { items, nextCursor } = pageOf(await listForms(c.var.deps.db, { limit: limit + 1, cursor }), limit);
    return c.json({ items: items.map(presentForm), nextCursor });
  });
  api.get('/forms/:id', async (c) => c.json(presentForm(found(await getForm(c.var.deps.db, c.req.param('id')), 'form'))));
  api.patch('/forms/:id', async (c) => {
    const patch = parseOr422(formPatch, await jsonBody(c));
    return c.json(presentForm(found(await updateForm(c.var.deps.db, c.req.param('id'), patch, c.var.deps.now()), 'form')));
  });
  api.delete('/forms/:id', async (c) => c.json(presentForm(found(await deleteForm(c.var.deps.db, c.req.param('id')), 'form'))));

  api.get('/forms/:id/submissions', async (c) => {
    const { db } = c.var.deps;
    const form = found(await getForm(db, c.req.param('id')), 'form');
    const query = parseOr422(submissionQuery, queryOf(c));
    const { items, nextCursor } = pageOf(await listSubmissions(db, { ...query, formId: form.id, limit: query.limit + 1 }), query.limit);
    return c.json({ items: (await withDeliveries(db, items)).map(presentSubmission), nextCursor });
  });
  api.get('/forms/:id/export', async (c) => {
    const { db } = c.var.deps;
    const form = found(await getForm(db, c.req.param('id')), 'form');
    const { format } = parseOr422(exportQuery, queryOf(c));
    return exportResponse(c, form.id, await allSubmissions(db, form.id), format);
  });

  api.get('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const [row] = await withDeliveries(db, [found(await getSubmission(db, c.req.param('id')), 'submission')]);
    return c.json(presentSubmission(row!));
  });
  // PATCH and DELETE answer with the same shape as GET, deliveries included.
  api.patch('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const { status } = parseOr422(z.object({ status: z.enum(['inbox', 'spam', 'archived']) }), await jsonBody(c));
    const [row] = await withDeliveries(db, [found(await setSubmissionStatus(db, c.req.param('id'), status), 'submission')]);
    return c.json(presentSubmission(row!));
  });
  api.delete('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const [row] = await withDeliveries(db, [found(await getSubmission(db, c.req.param('id')), 'submission')]);
    await deleteSubmission(db, row!.id);
    return c.json(presentSubmission(row!));
  });

  api.get('/deliveries', async (c) => {
    const query = parseOr422(deliveryQuery, queryOf(c));
    const { items, nextCursor } = pageOf(await listDeliveries(c.var.deps.db, { ...query, limit: query.limit + 1 }), query.limit);
    return c.json({ items: items.map(presentDelivery), nextCursor });
  });
  api.get('/deliveries/:id', async (c) => {
    const { db } = c.var.deps;
    const [delivery] = await listDeliveries(db, { ids: [c.req.param('id')], limit: 1 });
    const attempts = await deliveryAttemptsOf(db, found(delivery, 'delivery').id);
    return c.json({ ...presentDelivery(delivery!), history: attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })) });
  });
  api.post('/deliveries/:id/retry', async (c) => c.json(presentDelivery(await retryDelivery(c.var.deps, outbox, c.req.param('id')))));

  api.post('/mail/test', async (c) => {
    const { to } = parseOr422(mailTestInput, await jsonBody(c));
    const { mailer, config } = c.var.deps;
    if (!mailer) return c.json({ ok: false, error: 'SMTP_URL is not configured: notifications are held until it is' });
    const result = await mailer.send(renderTestMessage(config.mailFrom, to, c.var.deps.now()));
    return c.json(result.ok ? { ok: true, response: result.response } : { ok: false, error: result.error });
  });

  return api;
}
