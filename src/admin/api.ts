import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { apiAuth } from './api-auth.ts';
import { deliveryAttemptsOf, getDelivery, listDeliveries } from '../db/delivery-reads.ts';
import { deleteForm, getForm, listForms } from '../db/forms.ts';
import { submissionStatuses } from '../db/schema.ts';
import { deleteSubmission, getSubmission, listSubmissions, withDeliveries } from '../db/submissions.ts';
import { AppError } from '../errors.ts';
import { eraseByEmail, eraseInput } from '../forms/retention.ts';
import type { Outbox } from '../mail/outbox.ts';
import { exportQuery, exportResponse } from './export.ts';
import { createFormFrom, updateFormFrom } from './form-writes.ts';
import { forPrograms, mailDomainReport, reportForPrograms, sendTestEmail } from './mail-test.ts';
import { presentDelivery, presentForm, presentSubmission } from './present.ts';
import {
  changeStatus,
  deliveryQuery,
  found,
  mailTestInput,
  page,
  pageOf,
  parseOr422,
  queryOf,
  retryDelivery,
  submissionQuery,
} from './queries.ts';

/** The JSON body; a form encoding is the wrong type (415), as on /f. A bare or text type is read as JSON. */
async function jsonBody(c: Context): Promise<unknown> {
  if (/^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '')) {
    throw new AppError('unsupported_media_type', 'Send JSON with Content-Type: application/json');
  }
  try {
    return await c.req.json();
  } catch {
    throw new AppError('bad_request', 'The body must be JSON');
  }
}

const API_BODY_LIMIT = 256 * 1024;

export function apiRoutes(outbox: Outbox) {
  const api = new Hono<AppEnv>();
  api.use(...apiAuth());
  // Forms and patches are a few KB; the token does not entitle anyone to fill the memory.
  api.use(
    bodyLimit({
      maxSize: API_BODY_LIMIT,
      onError: () => {
        throw new AppError('too_large', `The body is larger than ${API_BODY_LIMIT / 1024} KB`);
      },
    }),
  );

  api.post('/forms', async (c) => {
    const form = await createFormFrom(c.var.deps, await jsonBody(c));
    // The one answer that shows the secrets: the owner copies them into the receivers now.
    return c.json(presentForm(form, { showSecrets: true }), 201);
  });
  api.get('/forms', async (c) => {
    const { limit, cursor } = parseOr422(page, queryOf(c));
    const { items, nextCursor } = pageOf(await listForms(c.var.deps.db, { limit: limit + 1, cursor }), limit);
    return c.json({ items: items.map((form) => presentForm(form)), nextCursor });
  });
  api.get('/forms/:id', async (c) => c.json(presentForm(found(await getForm(c.var.deps.db, c.req.param('id')), 'form'))));
  api.patch('/forms/:id', async (c) => {
    const { form, newSecrets } = await updateFormFrom(c.var.deps, c.req.param('id'), await jsonBody(c));
    // A webhook added without a secret got one now: this answer is the only one that shows it.
    return c.json(presentForm(form, { newSecrets }));
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
    const query = parseOr422(exportQuery, queryOf(c));
    return exportResponse(c, form.id, query);
  });

  api.get('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const [row] = await withDeliveries(db, [found(await getSubmission(db, c.req.param('id')), 'submission')]);
    return c.json(presentSubmission(row!));
  });
  // PATCH and DELETE answer with the same shape as GET, deliveries included.
  api.patch('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const { status } = parseOr422(z.object({ status: z.enum(submissionStatuses) }), await jsonBody(c));
    const [row] = await withDeliveries(db, [await changeStatus(c.var.deps, outbox, c.req.param('id'), status)]);
    return c.json(presentSubmission(row!));
  });
  api.delete('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const [row] = await withDeliveries(db, [found(await getSubmission(db, c.req.param('id')), 'submission')]);
    await deleteSubmission(db, row!.id);
    return c.json(presentSubmission(row!));
  });

  api.post('/erase', async (c) => {
    const { email } = parseOr422(eraseInput, await jsonBody(c));
    return c.json({ ok: true, deleted: await eraseByEmail(c.var.deps, email) });
  });

  api.get('/deliveries', async (c) => {
    const query = parseOr422(deliveryQuery, queryOf(c));
    const { items, nextCursor } = pageOf(await listDeliveries(c.var.deps.db, { ...query, limit: query.limit + 1 }), query.limit);
    return c.json({ items: items.map(presentDelivery), nextCursor });
  });
  api.get('/deliveries/:id', async (c) => {
    const { db } = c.var.deps;
    const delivery = found(await getDelivery(db, c.req.param('id')), 'delivery');
    const attempts = await deliveryAttemptsOf(db, delivery.id);
    return c.json({ ...presentDelivery(delivery), history: attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })) });
  });
  api.post('/deliveries/:id/retry', async (c) => c.json(presentDelivery(await retryDelivery(c.var.deps, outbox, c.req.param('id')))));

  api.post('/mail/test', async (c) => {
    const { to } = parseOr422(mailTestInput, await jsonBody(c));
    return c.json(forPrograms(await sendTestEmail(c.var.deps, to)));
  });
  api.get('/mail/check', async (c) => c.json(reportForPrograms(await mailDomainReport(c.var.deps))));

  return api;
}
