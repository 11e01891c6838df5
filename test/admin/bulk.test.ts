import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/delivery-reads.ts';
import { getSubmission } from '../../src/db/submissions.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let sink: SmtpSink;
let t: TestApp;
beforeEach(async () => {
  sink = await startSmtpSink();
  t = await testApp({ smtpUrl: sink.url });
  await t.createForm({ id: 'contact' });
  await t.createForm({ id: 'other' });
});
afterEach(async () => {
  await t.close();
  await sink.close();
});

const { session, page, post, submit, statusOf } = adminBrowser(() => t);

async function signedIn() {
  const cookie = await session();
  const token = csrfTokenOf((await page('/admin/forms/contact', cookie)).html);
  return { cookie, token };
}

describe('bulk actions on a submission list', () => {
  it('should ask with the count first and change nothing until confirmed', async () => {
    const ids = [await submit({ message: 'one' }), await submit({ message: 'two' })];
    const { cookie, token } = await signedIn();
    const asked = await post('/admin/forms/contact/bulk', { _csrf: token, action: 'archived', id: ids }, { cookie });
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).toContain('Archive 2 submissions?');
    expect(html.match(/name="id" value="/g)).toHaveLength(2);
    expect(await statusOf(ids[0]!)).toBe('inbox');

    const done = await post('/admin/forms/contact/bulk', { _csrf: token, action: 'archived', id: ids, confirm: 'yes' }, { cookie });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/admin/forms/contact');
    expect([await statusOf(ids[0]!), await statusOf(ids[1]!)]).toEqual(['archived', 'archived']);
  });

  it("should delete the ticked submissions of this form only, never another form's", async () => {
    const mine = await submit({ message: 'mine' });
    const theirs = await submit({ message: 'theirs' }, 'other');
    const { cookie, token } = await signedIn();
    await post('/admin/forms/contact/bulk', { _csrf: token, action: 'delete', id: [mine, theirs], confirm: 'yes' }, { cookie });
    expect(await getSubmission(t.deps.db, mine)).toBeUndefined();
    expect(await getSubmission(t.deps.db, theirs)).toBeDefined();
  });

  it('should mail submissions released from spam in bulk once each, through the same release as PATCH', async () => {
    const ids = [await submit({ message: 'real one', _gotcha: 'x' }), await submit({ message: 'real two', _gotcha: 'x' })];
    await t.settle();
    const { cookie, token } = await signedIn();
    const release = { _csrf: token, action: 'inbox', id: ids, confirm: 'yes' };
    await post('/admin/forms/contact/bulk', release, { cookie });
    await post('/admin/forms/contact/bulk', release, { cookie });
    await t.settle();
    await t.outbox.run();
    await sink.waitFor(2);
    expect(sink.messages.map((m) => m.parsed.text).sort()).toEqual([
      expect.stringContaining('real one'),
      expect.stringContaining('real two'),
    ]);
    expect(await listDeliveries(t.deps.db, { submissionIds: ids, limit: 10 })).toHaveLength(2);
  });

  it('should refuse the bulk post without the CSRF token or from another site', async () => {
    const id = await submit({ message: 'keep me' });
    const { cookie, token } = await signedIn();
    // The same post from the admin itself is asked to confirm: the refusals below are the guard's.
    expect((await post('/admin/forms/contact/bulk', { _csrf: token, action: 'delete', id }, { cookie })).status).toBe(200);
    const noToken = await post('/admin/forms/contact/bulk', { action: 'delete', id, confirm: 'yes' }, { cookie });
    expect(noToken.status).toBe(403);
    const crossSite = await post(
      '/admin/forms/contact/bulk',
      { _csrf: token, action: 'delete', id, confirm: 'yes' },
      { cookie, origin: 'https://evil.test' },
    );
    expect(crossSite.status).toBe(403);
    expect(await getSubmission(t.deps.db, id)).toBeDefined();
  });

  it('should answer 422 when nothing is ticked', async () => {
    const { cookie, token } = await signedIn();
    const res = await post('/admin/forms/contact/bulk', { _csrf: token, action: 'spam' }, { cookie });
    expect(res.status).toBe(422);
  });
});
