import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, type Json } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { send, get, submit } = apiClient(() => t);

describe('/api/forms/:id/submissions', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should list submissions newest first with their deliveries', async () => {
    const first = await submit('contact', { message: 'first' });
    const second = await submit('contact', { message: 'second', tags: ['a', 'b'] });
    const { status, body } = await get('/forms/contact/submissions');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((s: Json) => s.id)).toEqual([second, first]);
    expect(body.items[0]).toMatchObject({
      id: second,
      formId: 'contact',
      createdAt: new Date(t.clock.now()).toISOString(),
      status: 'inbox',
      data: { message: 'second', tags: ['a', 'b'] },
      read: false,
    });
    expect(body.items[0].deliveries).toEqual([
      expect.objectContaining({ id: expect.any(String), status: 'held', attempts: 0, lastError: null, nextAttemptAt: null }),
    ]);
  });

  it('should filter by status', async () => {
    const inbox = await submit('contact', { message: 'keep' });
    const spam = await submit('contact', { message: 'buy now', _gotcha: 'bot' });
    const archived = await submit('contact', { message: 'old' });
    await send(`/submissions/${archived}`, 'PATCH', { status: 'archived' });
    const ids = async (status: string) => (await get(`/forms/contact/submissions?status=${status}`)).body.items.map((s: Json) => s.id);
    expect(await ids('inbox')).toEqual([inbox]);
    expect(await ids('spam')).toEqual([spam]);
    expect(await ids('archived')).toEqual([archived]);
  });

  it('should treat an empty status or q as no filter', async () => {
    const id = await submit('contact', { message: 'hello' });
    const { status, body } = await get('/forms/contact/submissions?status=&q=');
    expect(status).toBe(200);
    expect(body.items.map((s: Json) => s.id)).toEqual([id]);
  });

  it('should answer 422 to an unknown status', async () => {
    const { status, body } = await get('/forms/contact/submissions?status=deleted');
    expect(status).toBe(422);
    expect(body.fields.status).toEqual([expect.any(String)]);
  });

  it('should search field text case-insensitively for ASCII', async () => {
    const hit = await submit('contact', { message: 'Please call me about the INVOICE' });
    await submit('contact', { message: 'Nothing to see' });
    const listed = await submit('contact', { topics: ['billing', 'Invoices'] });
    const { body } = await get('/forms/contact/submissions?q=invoice');
    expect(body.items.map((s: Json) => s.id)).toEqual([listed, hit]);
  });

  it('should take % and _ in q literally', async () => {
    const percent = await submit('contact', { message: '100% sure' });
    const underscore = await submit('contact', { message: 'snake_case' });
    await submit('contact', { message: '100 percent, snakeXcase' });
    const ids = async (q: string) => (await get(`/forms/contact/submissions?q=${encodeURIComponent(q)}`)).body.items.map((s: Json) => s.id);
    expect(await ids('0%')).toEqual([percent]);
    expect(await ids('%')).toEqual([percent]);
    expect(await ids('e_c')).toEqual([underscore]);
    expect(await ids('_')).toEqual([underscore]);
  });

  it('should find text with quotes and backslashes as typed', async () => {
    const quoted = await submit('contact', { message: 'She said "hi" from C:\\temp' });
    await submit('contact', { message: 'She said hi' });
    const ids = async (q: string) => (await get(`/forms/contact/submissions?q=${encodeURIComponent(q)}`)).body.items.map((s: Json) => s.id);
    expect(await ids('"hi"')).toEqual([quoted]);
    expect(await ids('C:\\temp')).toEqual([quoted]);
  });

  it('should match field values, not field names', async () => {
    await submit('contact', { message: 'hello' });
    const hit = await submit('contact', { note: 'see my message' });
    const { body } = await get('/forms/contact/submissions?q=message');
    expect(body.items.map((s: Json) => s.id)).toEqual([hit]);
  });

  it('should page through every submission with no duplicates or gaps', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await submit('contact', { n: i }));
    // Two in the same millisecond still get distinct, stable positions.
    ids.push(await submit('contact', { n: 7 }));
    t.clock.advance(-1000);
    ids.push(await submit('contact', { n: 8 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: Json } = await get(`/forms/contact/submissions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((s: Json) => s.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(9);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(new Set(seen.slice(0, 2))).toEqual(new Set(ids.slice(7)));
    expect(seen.slice(2)).toEqual(ids.slice(0, 7).reverse());
  });

  it('should answer 404 for an unknown form', async () => {
    const { status, body } = await get('/forms/nope/submissions');
    expect(status).toBe(404);
    expect(body).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('/api/submissions/:id', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should return one submission with its deliveries', async () => {
    const id = await submit('contact', { email: 'alice@example.com', message: 'hi' });
    const { status, body } = await get(`/submissions/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id,
      formId: 'contact',
      status: 'inbox',
      data: { email: 'alice@example.com', message: 'hi' },
      replyTo: 'alice@example.com',
    });
    expect(body.deliveries).toEqual([
      expect.objectContaining({ status: 'held', attempts: 0, lastError: null, nextAttemptAt: null, recipients: ['owner@site.test'] }),
    ]);
  });

  it('should change the status with PATCH', async () => {
    const id = await submit('contact', { message: 'hi' });
    for (const status of ['archived', 'inbox', 'spam']) {
      const res = await send(`/submissions/${id}`, 'PATCH', { status });
      // Into spam, the notification not yet sent is dropped (test/admin/spam-release.test.ts).
      const deliveries = status === 'spam' ? [] : [expect.objectContaining({ status: 'held' })];
      expect(res).toMatchObject({ status: 200, body: { id, status, deliveries } });
      expect((await get(`/submissions/${id}`)).body.status).toBe(status);
    }
  });

  it('should answer 422 to an unknown status and keep the old one', async () => {
    const id = await submit('contact', { message: 'hi' });
    const { status, body } = await send(`/submissions/${id}`, 'PATCH', { status: 'deleted' });
    expect(status).toBe(422);
    expect(body.fields.status).toEqual([expect.any(String)]);
    expect((await get(`/submissions/${id}`)).body.status).toBe('inbox');
  });

  it('should delete a submission with its deliveries', async () => {
    const gone = await submit('contact', { message: 'bye' });
    const kept = await submit('contact', { message: 'stay' });
    const { status, body } = await send(`/submissions/${gone}`, 'DELETE');
    expect(status).toBe(200);
    expect(body.id).toBe(gone);
    expect((await get(`/submissions/${gone}`)).status).toBe(404);
    expect((await get('/forms/contact/submissions')).body.items.map((s: Json) => s.id)).toEqual([kept]);
    expect((await get('/deliveries')).body.items.map((d: Json) => d.submissionId)).toEqual([kept]);
  });

  it('should answer 404 JSON for an unknown submission on GET, PATCH and DELETE', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const { status, body } = await send('/submissions/nope', method, method === 'PATCH' ? { status: 'spam' } : undefined);
      expect(status).toBe(404);
      expect(body).toMatchObject({ ok: false, error: 'not_found' });
    }
  });
});
