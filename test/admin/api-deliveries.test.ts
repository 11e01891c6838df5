import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, type Json } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { send, get, submit } = apiClient(() => t);

describe('/api/deliveries', () => {
  beforeEach(async () => {
    await t.createForm({ id: 'contact' });
  });

  it('should list held deliveries when SMTP is not configured', async () => {
    const first = await submit('contact', { message: 'one' });
    const second = await submit('contact', { message: 'two' });
    await submit('contact', { message: 'spam', _gotcha: 'x' });
    const { status, body } = await get('/deliveries?status=held');
    expect(status).toBe(200);
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((d: Json) => [d.submissionId, d.status])).toEqual([
      [second, 'held'],
      [first, 'held'],
    ]);
    expect((await get('/deliveries?status=pending')).body.items).toEqual([]);
  });

  it('should filter deliveries by channel, and refuse an unknown one', async () => {
    await t.close();
    t = await testApp({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    // Nothing listens on port 9: the webhook delivery is retried, which is all this needs.
    await t.createForm({
      id: 'contact',
      webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/in', secret: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==', format: 'standard' }],
    });
    const id = await submit('contact', { message: 'one' });
    await t.settle();
    const channels = async (query: string) => (await get(`/deliveries${query}`)).body.items.map((d: Json) => [d.submissionId, d.channel]);
    expect(await channels('?channel=email')).toEqual([[id, 'email']]);
    expect(await channels('?channel=webhook')).toEqual([[id, 'webhook']]);
    expect((await channels('')).length).toBe(2);
    expect((await get('/deliveries?channel=pigeon')).status).toBe(422);
  });

  it('should answer 422 to an unknown delivery status', async () => {
    expect((await get('/deliveries?status=lost')).status).toBe(422);
  });

  it('should retry a delivery and return it', async () => {
    const id = await submit('contact', { message: 'one' });
    const [delivery] = (await get(`/submissions/${id}`)).body.deliveries;
    t.clock.advance(60_000);
    const { status, body } = await send(`/deliveries/${delivery.id}/retry`, 'POST');
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: delivery.id, submissionId: id, status: 'held', attempts: 0 });
  });

  it('should answer 404 when retrying an unknown delivery', async () => {
    const { status, body } = await send('/deliveries/nope/retry', 'POST');
    expect(status).toBe(404);
    expect(body).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('/api/mail/test', () => {
  it('should answer ok:false with a reason when SMTP is not configured', async () => {
    const { status, body } = await send('/mail/test', 'POST', { to: 'owner@site.test' });
    expect(status).toBe(200);
    expect(body).toEqual({
      ok: false,
      error: expect.stringContaining('SMTP_URL'),
      transcript: '',
      hint: expect.stringContaining('Set SMTP_URL'),
    });
  });

  it('should answer 422 to a bad address', async () => {
    const { status, body } = await send('/mail/test', 'POST', { to: 'a@b.test, c@d.test' });
    expect(status).toBe(422);
    expect(body.fields.to).toEqual([expect.any(String)]);
  });
});
