import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../app-env.ts';
import { getForm } from '../db/forms.ts';
import { markAllRead, markRead } from '../db/submissions.ts';
import { pickLanguage, translator } from '../i18n/index.ts';
import type { Outbox } from '../mail/outbox.ts';
import { layout } from '../pages.ts';
import { applyBulk, bulkRequest, retryAllFailed } from './bulk.ts';
import { dashboardOf } from './dashboard.ts';
import { deliveryQuery, found, parseOr422, queryOf } from './queries.ts';
import { BulkConfirmBody } from './views/Bulk.tsx';
import { DashboardBody, type FeatureUi } from './views/Dashboard.tsx';
import { nav, when } from './views.ts';

type AdminEnv = AppEnv & { Variables: { session: string; csrfToken: string } };

const uiOf = (c: Context<AdminEnv>): FeatureUi => ({
  t: translator(pickLanguage(c.req.header('accept-language')) ?? 'en'),
  token: c.var.csrfToken,
  when,
});

const page = (c: Context<AdminEnv>, title: string, body: Child) => layout(`${title} — Formharbor`, html`${nav(c.var.csrfToken)}${body}`);

/**
 * The dashboard, unread marks, bulk actions and "retry all failed". Added after the session
 * check, before the admin's own pages: the dashboard is the admin's home.
 */
export function addFeatureRoutes(admin: Hono<AdminEnv>, outbox: Outbox) {
  admin.get('/', async (c) => {
    const ui = uiOf(c);
    return c.html(page(c, ui.t('dash.title'), DashboardBody({ ui, data: await dashboardOf(c.var.deps) })));
  });

  // Opening a submission's page is reading it: marked once the page was found and rendered.
  admin.get('/submissions/:id', async (c, next) => {
    await next();
    if (c.res.status === 200) await markRead(c.var.deps.db, c.req.param('id'), c.var.deps.now());
  });

  admin.post('/forms/:id/read', async (c) => {
    const form = found(await getForm(c.var.deps.db, c.req.param('id')), 'form');
    await markAllRead(c.var.deps.db, form.id, c.var.deps.now());
    return c.redirect(`/admin/forms/${form.id}`, 303);
  });

  // Without `confirm`, a page with the count asks first; the confirmed post acts.
  admin.post('/forms/:id/bulk', async (c) => {
    const form = found(await getForm(c.var.deps.db, c.req.param('id')), 'form');
    const { action, ids, confirm } = await bulkRequest(c);
    if (confirm !== 'yes') {
      const ui = uiOf(c);
      return c.html(page(c, ui.t('bulk.title'), BulkConfirmBody({ ui, formId: form.id, action, ids })));
    }
    await applyBulk(c.var.deps, outbox, form.id, action, ids);
    return c.redirect(`/admin/forms/${form.id}`, 303);
  });

  admin.post('/deliveries/retry-failed', async (c) => {
    const { channel } = parseOr422(deliveryQuery.pick({ channel: true }), queryOf(c));
    await retryAllFailed(c.var.deps, outbox, channel);
    return c.redirect(`/admin/deliveries${channel ? `?channel=${channel}` : ''}`, 303);
  });
}
