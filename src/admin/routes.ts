import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { csrf } from 'hono/csrf';
import { trimTrailingSlash } from 'hono/trailing-slash';
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { createForm, getForm, updateForm } from '../db/forms.ts';
import { submissionStatuses, type Form } from '../db/schema.ts';
import { deleteSubmission, getSubmission, listSubmissions, statusCounts, withDeliveries } from '../db/submissions.ts';
import { AppError, type FieldErrors } from '../errors.ts';
import { deliveryAttemptsOf, getDelivery, listDeliveries } from '../db/delivery-reads.ts';
import type { Outbox } from '../mail/outbox.ts';
import { ADMIN_CSP } from '../pages.ts';
import { exportQuery, exportResponse } from './export.ts';
import { changeStatus, deliveryQuery, found, pageOf, parseOr422, queryOf, retryDelivery, submissionQuery } from './queries.ts';
import { editorValuesOf, type EditorValues, NEW_FORM, parseEditor } from './form-editor.ts';
import { addEraseRoutes } from './erase.ts';
import { addFeatureRoutes } from './features.ts';
import { unreadCounts } from '../db/dashboard.ts';
import { settleEditorInput } from './spam-editor.ts';
import { mailPageRoutes } from './mail-page.ts';
import { addLanguageRoute } from './language.ts';
import { addSettingsRoutes } from './settings-page.ts';
import { documentOf } from '../views/Page.tsx';
import { DeliveriesPage, deliveryHref } from './views/DeliveriesPage.tsx';
import { DeliveryPage } from './views/DeliveryPage.tsx';
import { FormEditorPage } from './views/FormEditorPage.tsx';
import { FormPage } from './views/FormPage.tsx';
import { SubmissionPage } from './views/SubmissionPage.tsx';
import { adminUi } from './views/ui.tsx';
import { addWebhookRoutes } from './webhooks-page.ts';
import type { AdminEnv } from './session-cookie.ts';
import { addSignIn, notFromAdmin } from './sign-in.ts';
import { postedFields } from './posted-fields.ts';

const PAGE_SIZE = 50;

const editorPage = (c: Context<AdminEnv>, values: EditorValues, errors: FieldErrors, form?: Form) =>
  documentOf(FormEditorPage({ ui: adminUi(c), values, errors, form }));

export function adminRoutes(outbox: Outbox) {
  const admin = new Hono<AdminEnv>();
  // First, so that refusals below (403, 413) are framed and confined like every admin page.
  admin.use(async (c, next) => {
    c.header('Content-Security-Policy', ADMIN_CSP);
    c.header('X-Frame-Options', 'DENY');
    c.header('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: that makes browsers send `Origin: null` on the admin's own posts, and
    // the origin check would then rest on Sec-Fetch-Site alone, which older browsers lack.
    c.header('Referrer-Policy', 'same-origin');
    c.header('Cache-Control', 'no-store');
    await next();
  });
  admin.use(trimTrailingSlash());
  // Sign-in is reachable without a session: its body must be small before it is parsed. Other
  // posts are read only with a session; a form's field list may be a few hundred KB once encoded.
  const limit = (kb: number) =>
    bodyLimit({
      maxSize: kb * 1024,
      onError: () => {
        throw new AppError('too_large', `The form is larger than ${kb} KB`, { said: { key: 'problem.tooLarge', values: { kb } } });
      },
    });
  admin.use('/login', limit(64));
  admin.use(limit(1024));
  // Browsers send Origin (and Sec-Fetch-Site) on every POST: a cross-site form post is refused
  // before any session or body is read.
  const sameOrigin = csrf({
    origin: (origin, c) =>
      origin === new URL(c.req.url).origin || origin === new URL((c as Context<AppEnv>).var.deps.config.publicUrl).origin,
  });
  admin.use(async (c, next) => {
    // Neither header: a script or curl, not a browser, so no page can have forged it; its state
    // changes still need the session cookie and that session's CSRF token.
    if (c.req.header('origin') === undefined && c.req.header('sec-fetch-site') === undefined) return next();
    // Hono's refusal is a bare text "Forbidden"; the visitor gets the admin's own 403 page.
    try {
      await sameOrigin(c, next);
    } catch (error) {
      if (error instanceof HTTPException && error.status === 403) throw notFromAdmin();
      throw error;
    }
  });
  addLanguageRoute(admin);
  addSignIn(admin);

  addFeatureRoutes(admin, outbox);

  // Not under /forms/: a form may be called "new".
  admin.get('/new-form', (c) => c.html(editorPage(c, NEW_FORM, {})));
  admin.post('/new-form', async (c) => {
    const { values, input: asSent, errors } = parseEditor(await postedFields(c), c.var.t);
    const settled = asSent && settleEditorInput(asSent, c.var.t);
    if (!settled?.input) return c.html(editorPage(c, values, settled?.errors ?? errors), 422);
    const form = await createForm(c.var.deps.db, settled.input, c.var.deps.now());
    if (!form) return c.html(editorPage(c, values, { id: [c.var.t('editor.idTaken')] }), 409);
    return c.redirect(`/admin/forms/${form.id}`, 303);
  });

  admin.get('/forms/:id/edit', async (c) => {
    const form = found(await getForm(c.var.deps.db, c.req.param('id')), 'form');
    return c.html(editorPage(c, editorValuesOf(form), {}, form));
  });
  admin.post('/forms/:id/edit', async (c) => {
    const { db } = c.var.deps;
    const form = found(await getForm(db, c.req.param('id')), 'form');
    // The id is the form's address on every site that embeds it: never changed, nor read, here.
    const { values, input: asSent, errors } = parseEditor({ ...(await postedFields(c)), id: '' }, c.var.t);
    const settled = asSent && settleEditorInput(asSent, c.var.t, form);
    if (!settled?.input) return c.html(editorPage(c, values, settled?.errors ?? errors, form), 422);
    found(await updateForm(db, form.id, settled.input, c.var.deps.now()), 'form');
    return c.redirect(`/admin/forms/${form.id}`, 303);
  });

  admin.get('/forms/:id', async (c) => {
    const { db } = c.var.deps;
    const form = found(await getForm(db, c.req.param('id')), 'form');
    const query = parseOr422(submissionQuery.omit({ limit: true }), queryOf(c));
    const { items, nextCursor } = pageOf(await listSubmissions(db, { ...query, formId: form.id, limit: PAGE_SIZE + 1 }), PAGE_SIZE);
    const counts = await statusCounts(db, form.id);
    const unread = (await unreadCounts(db)).get(form.id) ?? 0;
    const rows = await withDeliveries(db, items);
    return c.html(
      documentOf(FormPage({ ui: adminUi(c), publicUrl: c.var.deps.config.publicUrl, form, rows, query, next: nextCursor, counts, unread })),
    );
  });

  admin.get('/forms/:id/export', async (c) => {
    const form = found(await getForm(c.var.deps.db, c.req.param('id')), 'form');
    const query = parseOr422(exportQuery, queryOf(c));
    return exportResponse(c, form.id, query);
  });

  // The address the export had before JSON joined it: bookmarks keep working.
  admin.get('/forms/:id/export.csv', (c) => c.redirect(`/admin/forms/${encodeURIComponent(c.req.param('id'))}/export?format=csv`, 301));

  admin.get('/deliveries', async (c) => {
    const query = parseOr422(deliveryQuery.omit({ limit: true }), queryOf(c));
    const { items, nextCursor } = pageOf(await listDeliveries(c.var.deps.db, { ...query, limit: PAGE_SIZE + 1 }), PAGE_SIZE);
    return c.html(documentOf(DeliveriesPage({ ui: adminUi(c), query, rows: items, next: nextCursor })));
  });

  admin.get('/deliveries/:id', async (c) => {
    const { db } = c.var.deps;
    const delivery = found(await getDelivery(db, c.req.param('id')), 'delivery');
    const attempts = await deliveryAttemptsOf(db, delivery.id);
    return c.html(documentOf(DeliveryPage({ ui: adminUi(c), delivery, attempts })));
  });

  admin.get('/submissions/:id', async (c) => {
    const { db } = c.var.deps;
    const submission = found(await getSubmission(db, c.req.param('id')), 'submission');
    const [row] = await withDeliveries(db, [submission]);
    const history = await Promise.all(row!.deliveries.map((d) => deliveryAttemptsOf(db, d.id)));
    // Deleted in the meantime along with its submissions: this one is gone too.
    const form = found(await getForm(db, submission.formId), 'submission');
    return c.html(documentOf(SubmissionPage({ ui: adminUi(c), form, submission: row!, history })));
  });

  admin.post('/submissions/:id/status', async (c) => {
    const { status } = parseOr422(z.object({ status: z.enum(submissionStatuses) }), await postedFields(c));
    const row = await changeStatus(c.var.deps, outbox, c.req.param('id'), status);
    return c.redirect(`/admin/submissions/${row.id}`, 303);
  });

  admin.post('/submissions/:id/delete', async (c) => {
    parseOr422(z.object({ confirm: z.literal('yes', 'Tick the box to confirm the deletion') }), await postedFields(c));
    const row = found(await deleteSubmission(c.var.deps.db, c.req.param('id')), 'submission');
    return c.redirect(`/admin/forms/${row.formId}`, 303);
  });

  admin.route('/mail', mailPageRoutes());

  admin.post('/deliveries/:id/retry', async (c) => {
    const delivery = await retryDelivery(c.var.deps, outbox, c.req.param('id'));
    return c.redirect(deliveryHref(delivery), 303);
  });

  addEraseRoutes(admin);
  addSettingsRoutes(admin);
  addWebhookRoutes(admin);
  return admin;
}
