import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, submit } = adminBrowser(() => t);

describe('admin deliveries', () => {
  it('should list the failed deliveries of every form, linked from the outbox counts', async () => {
    const smtp = await startSmtpSink();
    // A server's reply is text from elsewhere too.
    smtp.behaviour.rcpt = '550 5.1.1 <img src=x onerror=alert(1)> No such user here';
    await t.close();
    t = await testApp({ smtpUrl: smtp.url });
    try {
      await t.createForm({ id: 'contact', name: 'Contact' });
      await t.createForm({ id: 'quote', name: 'Quote' });
      const ids = [await submit({ message: 'one' }), await submit({ message: 'two' }, 'quote')];
      await t.settle();
      const cookie = await session();
      const home = (await page('/admin', cookie)).html;
      expect(home).toContain('<a href="/admin/deliveries?status=failed" class="error">2 failed</a>');
      // Each count links to exactly the deliveries it counts: being sent is not pending.
      expect(home).toContain(
        '<a href="/admin/deliveries?status=pending">0 pending</a>, <a href="/admin/deliveries?status=sending">0 being sent</a>',
      );
      const failed = (await page('/admin/deliveries?status=failed', cookie)).html;
      for (const id of ids) expect(failed).toContain(`<a href="/admin/submissions/${id}">`);
      expect(failed.match(/550 5\.1\.1 &lt;img src=x onerror=alert\(1\)&gt; No such user here/g)).toHaveLength(2);
      const submission = (await page(`/admin/submissions/${ids[0]}`, cookie)).html;
      expect(submission).toMatch(/action="\/admin\/deliveries\/[^"]+\/retry">.*Retry now/);
      // In the last reply and in the attempt's row.
      expect(submission.match(/550 5\.1\.1 &lt;img src=x onerror=alert\(1\)&gt; No such user here/g)).toHaveLength(2);
      for (const html of [failed, submission]) expect(html).not.toContain('<img');
      expect((await page('/admin/deliveries?status=sent', cookie)).html).toContain('No deliveries are sent.');
      expect((await page('/admin/deliveries?status=bogus', cookie)).res.status).toBe(422);
    } finally {
      await smtp.close();
    }
  });
});
