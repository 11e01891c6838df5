import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, post } = adminBrowser(() => t);

describe('admin form editor', () => {
  let cookie: string;
  let token: string;
  beforeEach(async () => {
    cookie = await session();
    token = csrfTokenOf((await page('/admin/new-form', cookie)).html);
  });
  const formOf = async (id: string) => (await t.api(`/forms/${id}`)).json() as Promise<Record<string, unknown>>;

  it('should create a form from the home page link, lists one per line, fields as JSON', async () => {
    expect((await page('/admin', cookie)).html).toContain('<a href="/admin/new-form">New form</a>');
    const res = await post(
      '/admin/new-form',
      {
        _csrf: token,
        id: 'quote',
        name: 'Quote request',
        recipients: 'sales@site.test\r\nboss@site.test',
        allowedOrigins: 'https://Site.test\nhttps://www.site.test:443',
        redirectUrl: 'https://site.test/thanks',
        subject: 'Quote from {{name}}',
        extraFields: 'reject',
        fields: '[{"name": "email", "type": "email", "required": true}]',
      },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/forms/quote');
    expect(await formOf('quote')).toMatchObject({
      name: 'Quote request',
      recipients: ['sales@site.test', 'boss@site.test'],
      allowedOrigins: ['https://site.test', 'https://www.site.test'],
      redirectUrl: 'https://site.test/thanks',
      subject: 'Quote from {{name}}',
      extraFields: 'reject',
      fields: [{ name: 'email', type: 'email', required: true }],
    });
    const submitted = await t.app.request('/f/quote', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ email: 'x' }),
    });
    expect(await submitted.json()).toMatchObject({ error: 'validation', fields: { email: ['Enter a valid email address'] } });
  });

  it('should give a generated id when none is asked for', async () => {
    const res = await post('/admin/new-form', { _csrf: token, name: 'Contact 2', recipients: 'a@site.test' }, { cookie });
    const id = /^\/admin\/forms\/([\w-]+)$/.exec(res.headers.get('location')!)![1]!;
    expect(await formOf(id)).toMatchObject({ id, name: 'Contact 2', allowedOrigins: [], fields: [], extraFields: 'keep' });
  });

  it('should name field checks by their place in the list, counting from 1', async () => {
    const res = await post(
      '/admin/new-form',
      { _csrf: token, name: 'X', recipients: 'a@site.test', fields: '[{"name": "a", "type": "text"}, {"name": "b", "type": "select"}]' },
      { cookie },
    );
    expect(await res.text()).toContain('<p class="error" id="fields-error">field 2 (options): a select field needs options</p>');
  });

  it('should save a form with a long list of field checks, as the API takes it', async () => {
    const fields = Array.from({ length: 160 }, (_, i) => ({
      name: `choice${i}`,
      type: 'select',
      options: Array.from({ length: 12 }, (_, j) => `option ${j} of ${i}`),
    }));
    expect(
      (await t.api('/forms', { method: 'POST', body: JSON.stringify({ id: 'big', name: 'Big', recipients: ['a@site.test'], fields }) }))
        .status,
    ).toBe(201);
    const edit = (await page('/admin/forms/big/edit', cookie)).html;
    const shown = /<textarea id="fields" name="fields"[^>]*>([^<]*)<\/textarea>/.exec(edit)![1]!.replace(/&quot;/g, '"');
    const res = await post(
      '/admin/forms/big/edit',
      {
        _csrf: token,
        name: 'Bigger',
        recipients: 'a@site.test',
        allowedOrigins: '',
        redirectUrl: '',
        subject: '',
        extraFields: 'keep',
        fields: shown,
      },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(await formOf('big')).toMatchObject({ name: 'Bigger', fields });
  });

  it('should show each mistake at its box, keep what was typed, and create nothing', async () => {
    const res = await post(
      '/admin/new-form',
      {
        _csrf: token,
        id: 'bad id',
        name: '<b>Mine</b>',
        recipients: 'ok@site.test\nnot an address',
        allowedOrigins: 'https://site.test/path',
        fields: '[{"name": "x"',
      },
      { cookie },
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="error" id="recipients-error">&quot;not an address&quot;: must be a plain email address</p>');
    expect(html).toContain('aria-describedby="allowedOrigins-error"');
    expect(html).toContain('<p class="error" id="fields-error">Write the fields as a JSON list, like the example</p>');
    expect(html).toContain('<p class="error" id="id-error">');
    expect(html).toContain('value="&lt;b&gt;Mine&lt;/b&gt;"');
    expect(html).toContain('>ok@site.test\nnot an address</textarea>');
    expect(((await (await t.api('/forms')).json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('should refuse an id that is taken with 409 and leave that form alone', async () => {
    const res = await post('/admin/new-form', { _csrf: token, id: 'contact', name: 'Other', recipients: 'x@site.test' }, { cookie });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('A form with this id exists; choose another');
    expect(await formOf('contact')).toMatchObject({ name: 'Contact' });
  });

  it('should edit a form from its page, keeping its id, and refuse a post without the token', async () => {
    const edit = await page('/admin/forms/contact/edit', cookie);
    expect((await page('/admin/forms/contact', cookie)).html).toContain('<a href="/admin/forms/contact/edit">Edit form</a>');
    expect(edit.html).toContain('>owner@site.test</textarea>');
    expect(edit.html).not.toContain('name="id"');
    const changes = {
      name: 'Contact us',
      recipients: 'new@site.test',
      allowedOrigins: '',
      redirectUrl: '',
      subject: '',
      extraFields: 'keep',
      fields: '',
    };
    expect((await post('/admin/forms/contact/edit', changes, { cookie })).status).toBe(403);
    const res = await post('/admin/forms/contact/edit', { _csrf: token, ...changes, id: 'renamed' }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/forms/contact');
    expect(await formOf('contact')).toMatchObject({ id: 'contact', name: 'Contact us', recipients: ['new@site.test'] });
    expect((await t.api('/forms/renamed')).status).toBe(404);
    expect((await post('/admin/forms/nope/edit', { _csrf: token, ...changes }, { cookie })).status).toBe(404);
  });

  it('should set, show, refuse a two-line subject for, and turn off the auto-reply from the editor', async () => {
    const base = { _csrf: token, name: 'Contact', recipients: 'owner@site.test', extraFields: 'keep' };
    const set = await post(
      '/admin/forms/contact/edit',
      { ...base, autoReplySubject: 'Thanks', autoReplyText: 'We answer soon.' },
      { cookie },
    );
    expect(set.status).toBe(303);
    expect((await formOf('contact')).autoReply).toEqual({ subject: 'Thanks', text: 'We answer soon.' });
    const edit = await page('/admin/forms/contact/edit', cookie);
    expect(edit.html).toMatch(/id="autoReplySubject" name="autoReplySubject" value="Thanks"/);
    expect(edit.html).toContain('>We answer soon.</textarea>');
    const twoLines = await post(
      '/admin/forms/contact/edit',
      { ...base, autoReplySubject: 'Hi\nBcc: x@evil.test', autoReplyText: 'x' },
      { cookie },
    );
    expect(twoLines.status).toBe(422);
    expect(await twoLines.text()).toContain('must be one line');
    expect((await formOf('contact')).autoReply).toEqual({ subject: 'Thanks', text: 'We answer soon.' });
    const off = await post('/admin/forms/contact/edit', { ...base, autoReplySubject: '', autoReplyText: '' }, { cookie });
    expect(off.status).toBe(303);
    expect((await formOf('contact')).autoReply).toBeNull();
  });

  it("should show and keep the notification's language, and refuse one it does not speak", async () => {
    const base = { _csrf: token, name: 'Kontakt', recipients: 'owner@site.test', extraFields: 'keep' };
    expect((await post('/admin/forms/contact/edit', { ...base, language: 'de' }, { cookie })).status).toBe(303);
    expect((await formOf('contact')).language).toBe('de');
    expect((await page('/admin/forms/contact/edit', cookie)).html).toContain('<option value="de" lang="de" selected="">Deutsch</option>');
    expect((await post('/admin/forms/contact/edit', { ...base, language: 'fr' }, { cookie })).status).toBe(422);
    expect((await formOf('contact')).language).toBe('de');
  });
});
