import { afterEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from './support/app.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';

let t: TestApp;
let sink: SmtpSink;
afterEach(async () => {
  t?.close();
  await sink?.close();
});

describe('a stored submission is mailed to the owner', () => {
  it('should deliver one message with the contract headers for a urlencoded post', async () => {
    sink = await startSmtpSink();
    t = await testApp({ smtpUrl: sink.url });
    await t.createForm({ id: 'contact', name: 'Contact us', recipients: ['owner@site.test', 'team@site.test'] });
    const res = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ name: 'Alice', email: 'alice@example.com', message: 'Hello\r\nthere' }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await t.settle();
    const [mail] = await sink.waitFor(1);
    expect(mail!.envelope).toEqual({ from: 'forms@harbor.test', to: ['owner@site.test', 'team@site.test'] });
    expect(mail!.parsed.from?.value).toEqual([{ address: 'forms@harbor.test', name: 'Formharbor' }]);
    expect(mail!.parsed.replyTo?.value).toEqual([{ address: 'alice@example.com', name: '' }]);
    expect(mail!.parsed.subject).toBe('New submission: Contact us');
    expect(mail!.parsed.headers.get('x-formharbor-submission')).toBe(id);
    expect(mail!.parsed.text).toContain('Hello\nthere');
    const delivery = (await (await t.api(`/submissions/${id}`)).json()) as { deliveries: { status: string; attempts: number }[] };
    expect(delivery.deliveries).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    expect(mail!.parsed.messageId).toMatch(/^<[0-9a-z]+@harbor\.test>$/);
  });
});
