import type { Hono } from 'hono';
import { z } from 'zod';
import { documentOf } from '../views/Page.tsx';
import { parseOr422 } from './queries.ts';
import type { AdminEnv } from './session-cookie.ts';
import { isTimeZone, ownerTimeZone, saveTimeZone, timeZones } from './time-zone.ts';
import { SettingsPage } from './views/SettingsPage.tsx';
import { adminUi } from './views/ui.tsx';
import { postedFields } from './posted-fields.ts';

const settingsInput = z.object({ timeZone: z.string().refine(isTimeZone, 'must be a time zone such as Europe/Berlin or Asia/Taipei') });

/** /admin/settings: the owner's preferences kept on the server (the language is the nav's cookie). */
export function addSettingsRoutes(admin: Hono<AdminEnv>) {
  admin.get('/settings', async (c) => {
    const { zone, source } = await ownerTimeZone(c);
    return c.html(documentOf(SettingsPage({ ui: adminUi(c), zone, source, zones: timeZones(), saved: c.req.query('saved') === '1' })));
  });

  admin.post('/settings', async (c) => {
    const { timeZone } = parseOr422(settingsInput, await postedFields(c));
    await saveTimeZone(c, timeZone);
    return c.redirect('/admin/settings?saved=1', 303);
  });
}
