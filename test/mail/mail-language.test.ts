import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiClient, submitTo } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let sink: SmtpSink;
let t: TestApp;
beforeEach(async () => {
  sink = await startSmtpSink();
  t = await testApp({ smtpUrl: sink.url });
});
afterEach(async () => {
  await t.close();
  await sink.close();
});

const { send } = apiClient(() => t);

describe("the notification in the form's language", () => {
  it.each([
    ['en', 'New submission: Kontakt', 'New submission to Kontakt', 'View in Formharbor'],
    ['de', 'Neue Nachricht: Kontakt', 'Neue Nachricht über Kontakt', 'In Formharbor ansehen'],
    ['zh-TW', '新的表單訊息：Kontakt', 'Kontakt 有新的表單訊息', '在 Formharbor 中查看'],
  ])('should label a %s form’s mail in that language, the visitor’s words as typed', async (language, subject, heading, link) => {
    const created = await send('/forms', 'POST', { id: 'kontakt', name: 'Kontakt', recipients: ['owner@site.test'], language });
    expect(created).toMatchObject({ status: 201, body: { language } });
    await submitTo(t, 'kontakt', { Nachricht: 'Grüße aus Köln 你好' });
    await t.settle();
    const [mail] = await sink.waitFor(1);
    expect(mail!.parsed.subject).toBe(subject);
    expect(mail!.parsed.text).toContain(heading);
    expect(mail!.parsed.text).toContain('Nachricht:\nGrüße aus Köln 你好');
    expect(mail!.parsed.html).toContain(link);
  });

  it("should keep the owner's subject template as written, and refuse a language it does not speak", async () => {
    await send('/forms', 'POST', { id: 'c', name: 'C', recipients: ['owner@site.test'], language: 'de', subject: 'Anfrage von {{name}}' });
    await submitTo(t, 'c', { name: 'Müller' });
    await t.settle();
    expect((await sink.waitFor(1))[0]!.parsed.subject).toBe('Anfrage von Müller');
    const refused = await send('/forms/c', 'PATCH', { language: 'fr' });
    expect(refused.status).toBe(422);
    expect((await send('/forms/c', 'GET')).body.language).toBe('de');
  });
});
