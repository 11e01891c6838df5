import { afterEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';

let t: TestApp;
afterEach(async () => t.close());

type FormView = { id: string; webhooks: { id: string; url: string; secret: string; format: string }[] };

const create = (webhooks: unknown) =>
  t.api('/forms', { method: 'POST', body: JSON.stringify({ id: 'contact', name: 'Contact', recipients: ['owner@site.test'], webhooks }) });

describe('a form’s webhooks over the API', () => {
  it('should show a generated secret once, in the create answer, then only "set", and keep it through a PATCH', async () => {
    t = await testApp();
    const res = await create([
      { url: 'https://hooks.example.com/in' },
      { id: 'chat', url: 'https://hooks.slack.com/services/x', format: 'slack' },
    ]);
    expect(res.status).toBe(201);
    const created = (await res.json()) as FormView;
    expect(created.webhooks[0]!.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.webhooks[0]).toMatchObject({ url: 'https://hooks.example.com/in', format: 'standard', id: expect.any(String) });
    expect(created.webhooks[1]).toMatchObject({ id: 'chat', format: 'slack' });

    const shown = (await (await t.api('/forms/contact')).json()) as FormView;
    expect(shown.webhooks.map((w) => w.secret)).toEqual(['set', 'set']);

    const patched = await t.api('/forms/contact', {
      method: 'PATCH',
      body: JSON.stringify({ webhooks: [{ id: created.webhooks[0]!.id, url: 'https://hooks.example.com/moved' }] }),
    });
    expect(patched.status).toBe(200);
    const { rows } = await t.database.client.execute(`SELECT webhooks FROM forms WHERE id = 'contact'`);
    const stored = JSON.parse(String(rows[0]!.webhooks)) as FormView['webhooks'];
    expect(stored).toEqual([
      { id: created.webhooks[0]!.id, url: 'https://hooks.example.com/moved', secret: created.webhooks[0]!.secret, format: 'standard' },
    ]);
  });

  it('should show a secret a PATCH made in its answer alone, and keep id and secret of a webhook sent back without its id', async () => {
    t = await testApp();
    const created = (await (await create([{ url: 'https://hooks.example.com/in' }])).json()) as FormView;
    const [first] = created.webhooks;
    const patch = async (webhooks: unknown) => {
      const res = await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ webhooks }) });
      expect(res.status).toBe(200);
      return (await res.json()) as FormView;
    };

    // The list as a script keeps it, without ids: the same webhook, nothing new to show.
    const resent = await patch([{ url: 'https://hooks.example.com/in' }, { url: 'https://crm.example.com/hook', format: 'standard' }]);
    expect(resent.webhooks[0]).toEqual({ id: first!.id, url: 'https://hooks.example.com/in', secret: 'set', format: 'standard' });
    expect(resent.webhooks[1]!.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const { rows } = await t.database.client.execute(`SELECT webhooks FROM forms WHERE id = 'contact'`);
    const stored = JSON.parse(String(rows[0]!.webhooks)) as FormView['webhooks'];
    expect(stored.map((w) => [w.id, w.secret])).toEqual([
      [first!.id, first!.secret],
      [resent.webhooks[1]!.id, resent.webhooks[1]!.secret],
    ]);

    // Shown once: the next answers say only "set".
    const again = await patch(stored.map(({ id, url }) => ({ id, url })));
    expect(again.webhooks.map((w) => w.secret)).toEqual(['set', 'set']);
    expect(((await (await t.api('/forms/contact')).json()) as FormView).webhooks.map((w) => w.secret)).toEqual(['set', 'set']);
  });

  // Only validated here: no request is ever made to these addresses.
  it.each([
    'http://hooks.example.com/in',
    'https://10.0.0.1/in',
    'https://169.254.169.254/latest/meta-data',
    'https://[fc00::1]/in',
    'https://127.0.0.1/in',
    'https://[::1]/in',
    'https://localhost/in',
    'ftp://hooks.example.com/in',
  ])('should refuse the webhook URL %s at create', async (url) => {
    t = await testApp();
    const res = await create([{ url }]);
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('webhooks');
    expect((await t.api('/forms/contact')).status).toBe(404);
  });

  it('should accept an http or loopback webhook URL with WEBHOOK_ALLOW_PRIVATE=1', async () => {
    t = await testApp({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    expect((await create([{ url: 'http://127.0.0.1:9/in' }])).status).toBe(201);
  });

  it('should refuse a webhook format it does not know and a malformed secret', async () => {
    t = await testApp();
    expect((await create([{ url: 'https://hooks.example.com/in', format: 'teams' }])).status).toBe(422);
    expect((await create([{ url: 'https://hooks.example.com/in', secret: 'plain' }])).status).toBe(422);
  });
});
