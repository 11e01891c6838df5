import { afterEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let t: TestApp;
let sink: SmtpSink;
afterEach(async () => {
  await t?.close();
  await sink?.close();
});

const fields = { name: 'Alice', email: 'alice@example.com', message: 'Hello\r\nthere' };
const multipart = () => {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return body;
};
const bodies: [string, () => { body: BodyInit; headers: Record<string, string> }][] = [
  ['urlencoded', () => ({ body: form(fields), headers: { accept: 'application/json' } })],
  ['multipart', () => ({ body: multipart(), headers: { accept: 'application/json' } })],
  ['JSON', () => ({ body: JSON.stringify(fields), headers: { 'content-type': 'application/json' } })],
];

describe('a stored submission is mailed to the owner', () => {
  it.each(bodies)('should deliver one message with the contract headers for a %s post', async (_, make) => {
    sink = await startSmtpSink();
    t = await testApp({ smtpUrl: sink.url });
    await t.createForm({ id: 'contact', name: 'Contact us', recipients: ['owner@site.test', 'team@site.test'] });
    const res = await t.app.request('/f/contact', { method: 'POST', ...make() });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await t.settle();
    const [mail] = await sink.waitFor(1);
    const { parsed } = mail!;
    expect(mail!.envelope).toEqual({ from: 'forms@harbor.test', to: ['owner@site.test', 'team@site.test'] });
    expect(parsed.from?.value).toEqual([{ address: 'forms@harbor.test', name: 'Formharbor' }]);
    expect((parsed.to as { value: unknown[] }).value).toEqual([
      { address: 'owner@site.test', name: '' },
      { address: 'team@site.test', name: '' },
    ]);
    expect(parsed.replyTo?.value).toEqual([{ address: 'alice@example.com', name: '' }]);
    expect(parsed.cc).toBeUndefined();
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('New submission: Contact us');
    expect(parsed.headers.get('x-formharbor-submission')).toBe(id);
    expect(parsed.text).toContain('message:\nHello\nthere');
    expect(parsed.html).toContain('Hello\nthere');
    const submission = (await (await t.api(`/submissions/${id}`)).json()) as {
      deliveries: { id: string; status: string; attempts: number }[];
    };
    expect(submission.deliveries).toEqual([expect.objectContaining({ status: 'sent', attempts: 1 })]);
    const delivery = (await (await t.api(`/deliveries/${submission.deliveries[0]!.id}`)).json()) as { messageId: string };
    expect(parsed.messageId).toBe(delivery.messageId);
    expect(parsed.messageId).toMatch(/^<[0-9a-z]+@harbor\.test>$/);
  });
});
