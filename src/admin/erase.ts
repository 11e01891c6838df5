import type { Hono } from 'hono';
import { z } from 'zod';
import { countByEmail, eraseByEmail, eraseInput } from '../forms/retention.ts';
import { documentOf } from '../views/Page.tsx';
import { parseOr422 } from './queries.ts';
import type { AdminEnv } from './session-cookie.ts';
import { EraseAskPage, EraseConfirmPage, ErasedPage } from './views/ErasePage.tsx';
import { adminUi } from './views/ui.tsx';
import { postedFields } from './posted-fields.ts';

/**
 * Erasing a person's submissions from the admin: the address first, then a page that says how
 * many submissions hold it and asks to confirm; only the confirmed post deletes.
 */
export function addEraseRoutes(admin: Hono<AdminEnv>) {
  admin.get('/erase', async (c) => {
    const given = c.req.query('email');
    if (!given) return c.html(documentOf(EraseAskPage({ ui: adminUi(c) })));
    const { email } = parseOr422(eraseInput, { email: given });
    const count = await countByEmail(c.var.deps, email);
    return c.html(documentOf(EraseConfirmPage({ ui: adminUi(c), email, count })));
  });

  admin.post('/erase', async (c) => {
    const posted = await postedFields(c);
    const { email } = parseOr422(eraseInput.extend({ confirm: z.literal('yes', 'Tick the box to confirm the erasure') }), posted);
    const deleted = await eraseByEmail(c.var.deps, email);
    return c.html(documentOf(ErasedPage({ ui: adminUi(c), email, deleted })));
  });
}
