import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { countByEmail, eraseByEmail, eraseInput } from '../forms/retention.ts';
import { layout } from '../pages.ts';
import { parseOr422 } from './queries.ts';
import { nav } from './views.ts';

type AdminEnv = AppEnv & { Variables: { session: string; csrfToken: string } };

/**
 * Erasing a person's submissions from the admin: the address first, then a page that says how
 * many submissions hold it and asks to confirm; only the confirmed post deletes.
 */
export function addEraseRoutes(admin: Hono<AdminEnv>, postedFields: (c: Context) => Promise<Record<string, unknown>>) {
  admin.get('/erase', async (c) => {
    const token = c.var.csrfToken;
    const given = c.req.query('email');
    if (!given) {
      return c.html(
        layout(
          'Erase by email — Formharbor',
          html`${nav(token)}<h1>Erase a person's submissions</h1>
<form method="get" action="/admin/erase"><label for="email">Email address</label><input id="email" name="email" type="email" required>
<button type="submit">Count their submissions</button></form>`,
        ),
      );
    }
    const { email } = parseOr422(eraseInput, { email: given });
    const count = await countByEmail(c.var.deps, email);
    return c.html(
      layout(
        'Erase by email — Formharbor',
        html`${nav(token)}<h1>Erase ${email}</h1>
<p><strong>${count}</strong> submission(s), on every form, hold this address.</p>
${
  count > 0
    ? html`<form method="post" action="/admin/erase"><input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="email" value="${email}">
<label><input type="checkbox" name="confirm" value="yes" required style="width:auto"> Delete these ${count} submission(s) and their deliveries for good</label>
<button type="submit">Erase</button></form>`
    : ''
}`,
      ),
    );
  });

  admin.post('/erase', async (c) => {
    const posted = await postedFields(c);
    const { email } = parseOr422(eraseInput.extend({ confirm: z.literal('yes', 'Tick the box to confirm the erasure') }), posted);
    const deleted = await eraseByEmail(c.var.deps, email);
    return c.html(
      layout('Erased — Formharbor', html`${nav(c.var.csrfToken)}<h1>Erased</h1><p>Deleted ${deleted} submission(s) holding ${email}.</p>`),
    );
  });
}
