import type { AdminEnv } from './session-cookie.ts';
import type { Hono } from 'hono';
import { unsentCounts } from '../db/delivery-reads.ts';
import { getForm } from '../db/forms.ts';
import { markAllRead, markRead } from '../db/submissions.ts';
import type { Outbox } from '../mail/outbox.ts';
import { documentOf } from '../views/Page.tsx';
import { applyBulk, bulkRequest, retryAllFailed } from './bulk.ts';
import { dashboardOf, unreadTotal } from './dashboard.ts';
import { deliveryQuery, found, parseOr422, queryOf } from './queries.ts';
import { BulkConfirmPage } from './views/Bulk.tsx';
import { DashboardPage } from './views/DashboardPage.tsx';
import { adminUi } from './views/ui.tsx';

/**
 * The dashboard, unread marks, bulk actions and "retry all failed". Added after the session
 * check, before the admin's own pages: the dashboard is the admin's home.
 */
export function addFeatureRoutes(admin: Hono<AdminEnv>, outbox: Outbox) {
  // The nav's count of new mail, on every page (a partial index holds only unread rows).
  admin.get('*', async (c, next) => {
    c.set('unread', await unreadTotal(c.var.deps));
    await next();
  });

  admin.get('/', async (c) => {
    const [data, unsent] = await Promise.all([dashboardOf(c.var.deps), unsentCounts(c.var.deps.db)]);
    return c.html(documentOf(DashboardPage({ ui: adminUi(c), data, unsent })));
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
      return c.html(documentOf(BulkConfirmPage({ ui: adminUi(c), formId: form.id, action, ids })));
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
