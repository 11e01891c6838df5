import type { Context, Hono } from 'hono';
import { getForm } from '../db/forms.ts';
import type { Form, WebhookSpec } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { say } from '../i18n/index.ts';
import { documentOf } from '../views/Page.tsx';
import { updateFormFrom } from './form-writes.ts';
import { found } from './queries.ts';
import type { AdminEnv } from './session-cookie.ts';
import { WebhooksPage, type WebhookDraft } from './views/WebhooksPage.tsx';
import { adminUi } from './views/ui.tsx';
import { postedFields } from './posted-fields.ts';

// /admin/forms/:id/webhooks: a form's webhooks in the admin, saved through the same code as the
// API's PATCH (form-writes.ts), so the same URLs are refused with the same words.

/** The stored webhooks as the API takes them back: by id, so each keeps its secret. */
const kept = (webhooks: WebhookSpec[]) => webhooks.map(({ id, url, format }) => ({ id, url, format }));

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function addWebhookRoutes(admin: Hono<AdminEnv>) {
  const page = (c: Context<AdminEnv>, form: Form, extra: { draft?: WebhookDraft; problem?: string; created?: WebhookSpec } = {}) =>
    documentOf(WebhooksPage({ ui: adminUi(c), form, draft: extra.draft ?? { url: '', format: 'standard' }, ...extra }));

  const formOf = async (c: Context<AdminEnv>) => found(await getForm(c.var.deps.db, c.req.param('id')!), 'form');

  admin.get('/forms/:id/webhooks', async (c) => c.html(page(c, await formOf(c))));

  admin.post('/forms/:id/webhooks', async (c) => {
    const form = await formOf(c);
    const posted = await postedFields(c);
    const draft = { url: text(posted.url), format: text(posted.format) || 'standard' };
    let saved: Form;
    try {
      ({ form: saved } = await updateFormFrom(c.var.deps, form.id, { webhooks: [...kept(form.webhooks), draft] }));
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'validation') throw error;
      // The one webhook added is the only one that can be wrong: the stored ones passed before.
      const said = Object.values(error.fieldsSaid ?? {}).flat()[0];
      const problem = said ? say(c.var.t, said) : (Object.values(error.fields ?? {}).flat()[0] ?? error.message);
      return c.html(page(c, form, { draft, problem }), 422);
    }
    // Answered here, not redirected: its secret is shown this once and is not kept anywhere to show again.
    return c.html(page(c, saved, { created: saved.webhooks.at(-1) }), 201);
  });

  admin.post('/forms/:id/webhooks/:hookId/delete', async (c) => {
    const form = await formOf(c);
    await postedFields(c);
    const hookId = c.req.param('hookId');
    found(
      form.webhooks.find((w) => w.id === hookId),
      'webhook',
    );
    await updateFormFrom(c.var.deps, form.id, { webhooks: kept(form.webhooks.filter((w) => w.id !== hookId)) });
    return c.redirect(`/admin/forms/${encodeURIComponent(form.id)}/webhooks`, 303);
  });
}
