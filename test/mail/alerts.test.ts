import { afterEach, describe, expect, it } from 'vitest';
import { checkIncidents } from '../../src/mail/incidents.ts';
import { adminBrowser, submitTo } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

// Alerts (ALERT_WEBHOOK_URL, ALERT_EMAIL, ALERT_AFTER) against a real SMTP sink and a real HTTP
// receiver; the manual clock moves hours in milliseconds. Each sweep is what the Node timer and
// the Workers cron run: the outbox, then the incident check.

const MINUTE = 60_000;
const OPS = 'ops@site.test';

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink() {
  const started = await startSmtpSink();
  cleanups.push(() => started.close());
  return started;
}

async function receiver() {
  const started = await startWebhookReceiver();
  cleanups.push(() => started.close());
  return started;
}

async function app(env: Record<string, string>) {
  t = await testApp({ env: { DELIVERY_RETRY_SCHEDULE: '10m', ALERT_AFTER: '30m', ...env } });
  cleanups.push(() => t.close());
  await t.createForm({ id: 'contact', recipients: ['owner@site.test'] });
  return t;
}

async function sweep() {
  await t.outbox.run();
  await checkIncidents(t.deps, t.outbox);
  await t.settle();
}

const texts = (hook: Awaited<ReturnType<typeof receiver>>) => hook.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
const mailsTo = (smtp: SmtpSink, address: string) => smtp.messages.filter((m) => m.envelope.to.includes(address));

async function incidentRows() {
  const { rows } = await t.database.client.execute('SELECT id, opened_at, closed_at FROM incidents ORDER BY id');
  return rows;
}

describe('alerts about the outbox', () => {
  it('should alert once per incident while the relay fails, send one recovery note when it is back, and alert again for a new incident', async () => {
    const smtp = await sink();
    const hook = await receiver();
    smtp.behaviour.data = '451 4.3.0 Try again later';
    await app({ SMTP_URL: smtp.url, ALERT_WEBHOOK_URL: `${hook.url}/alert`, ALERT_EMAIL: OPS });

    for (const name of ['Ann', 'Ben', 'Cem']) await submitTo(t, 'contact', { name, email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(hook.received).toHaveLength(0); // failing for minutes, not ALERT_AFTER: no alert yet

    t.clock.advance(31 * MINUTE);
    // Two sweeps at once (two instances, or the cron beside the timer) open one incident between them.
    await t.outbox.run();
    await Promise.all([checkIncidents(t.deps, t.outbox), checkIncidents(t.deps, t.outbox)]);
    await t.settle();
    expect(await incidentRows()).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.path).toBe('/alert');
    expect(hook.received[0]!.headers['content-type']).toBe('application/json');
    expect(texts(hook)[0]).toMatch(/deliveries need your attention/);
    expect(texts(hook)[0]).toMatch(/3 deliveries are still undelivered after 30 min/);
    expect(texts(hook)[0]).toContain('http://harbor.test/admin/deliveries?status=failed');

    // Still failing: more sweeps, more time, no second alert.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(11 * MINUTE);
      await sweep();
    }
    expect(hook.received).toHaveLength(1);
    expect(mailsTo(smtp, OPS)).toHaveLength(0); // the alert by mail waits for the relay like everything else

    smtp.behaviour.data = undefined;
    t.clock.advance(11 * MINUTE);
    await sweep(); // the notifications and the waiting alert mail go out
    await sweep(); // nothing is overdue and nothing failed: the incident closes
    await sweep();
    expect(texts(hook)).toHaveLength(2);
    expect(texts(hook)[1]).toMatch(/deliveries go through again/);
    expect(mailsTo(smtp, 'owner@site.test')).toHaveLength(3);
    const opsMail = mailsTo(smtp, OPS).map((m) => m.parsed.subject);
    expect(opsMail).toEqual(['Formharbor alert: deliveries are failing', 'Formharbor: deliveries go through again']);
    expect(mailsTo(smtp, OPS)[0]!.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    const [first] = await incidentRows();
    expect(first!.closed_at).not.toBeNull();

    // A new outage is a new incident.
    smtp.behaviour.data = '451 4.3.0 Try again later';
    await submitTo(t, 'contact', { name: 'Dan', email: 'v@example.com', message: 'Hello again' });
    await t.settle();
    t.clock.advance(31 * MINUTE);
    await sweep();
    await sweep();
    expect(await incidentRows()).toHaveLength(2);
    expect(texts(hook)).toHaveLength(3);
    expect(texts(hook)[2]).toMatch(/1 delivery is still undelivered after 30 min/);
  });

  it('should send the alert mail through the backup relay first, naming the failure, and keep it off the primary', async () => {
    const primary = await sink();
    const backup = await sink();
    primary.behaviour.rcptFor = { 'owner@site.test': '550 5.1.1 No such user here' };
    await app({ SMTP_URL: primary.url, SMTP_BACKUP_URL: backup.url, ALERT_EMAIL: OPS });

    await submitTo(t, 'contact', { name: 'Ann', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();

    const [alert] = await backup.waitFor(1);
    expect(alert!.envelope.to).toEqual([OPS]);
    expect(alert!.parsed.subject).toBe('Formharbor alert: deliveries are failing');
    expect(alert!.parsed.text).toMatch(/1 delivery failed\.\nThe latest \(email\): .*550 5\.1\.1 No such user here/);
    expect(mailsTo(primary, OPS)).toHaveLength(0);
    const deliveries = (await (await t.api('/deliveries?channel=alert')).json()) as { items: { id: string }[] };
    expect(deliveries.items).toHaveLength(1);
    const view = (await (await t.api(`/deliveries/${deliveries.items[0]!.id}`)).json()) as { status: string; history: { relay: string }[] };
    expect(view).toMatchObject({ status: 'sent', history: [{ relay: 'backup' }] });

    // The owner corrects the address; the next notification goes through and closes the incident.
    primary.behaviour.rcptFor = {};
    await submitTo(t, 'contact', { name: 'Ben', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    await backup.waitFor(2);
    expect(backup.messages[1]!.parsed.subject).toBe('Formharbor: deliveries go through again');
  });

  it('should alert once when the backup relay takes over from a failing primary, and close when the primary takes mail again', async () => {
    const primary = await sink();
    const backup = await sink();
    const hook = await receiver();
    primary.behaviour.greeting = '421 4.3.2 Service not available, try again later';
    await app({ SMTP_URL: primary.url, SMTP_BACKUP_URL: backup.url, ALERT_WEBHOOK_URL: hook.url });

    for (const name of ['Ann', 'Ben']) await submitTo(t, 'contact', { name, email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(mailsTo(backup, 'owner@site.test')).toHaveLength(2);
    expect(texts(hook)).toHaveLength(1);
    expect(texts(hook)[0]).toMatch(
      /The primary relay \(SMTP_URL\) failed: 2 deliveries went through the backup\. The latest failure: .*421 4\.3\.2 Service not available/,
    );

    // Still down: the backup keeps taking mail, and the owner hears nothing more.
    await submitTo(t, 'contact', { name: 'Cem', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    await sweep();
    expect(mailsTo(backup, 'owner@site.test')).toHaveLength(3);
    expect(texts(hook)).toHaveLength(1);

    // The primary is back: the next notification goes through it, and that closes the incident.
    primary.behaviour.greeting = undefined;
    await submitTo(t, 'contact', { name: 'Dee', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(mailsTo(primary, 'owner@site.test')).toHaveLength(1);
    expect(texts(hook)).toHaveLength(2);
    expect(texts(hook)[1]).toMatch(/deliveries go through again/);
    expect((await incidentRows()).map((row) => row.closed_at !== null)).toEqual([true]);
  });

  it('should not raise an alert about an alert that cannot be sent', async () => {
    const smtp = await sink();
    const hook = await receiver();
    smtp.behaviour.rcptFor = { 'owner@site.test': '550 5.1.1 No such user here' };
    await app({ SMTP_URL: smtp.url, ALERT_WEBHOOK_URL: hook.url, DELIVERY_MAX_AGE: '1h' });
    await submitTo(t, 'contact', { name: 'Ann', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(texts(hook)).toHaveLength(1);

    // The receiver breaks just as mail works again: the recovery note is retried until it fails.
    hook.state.answer = (_request, response) => void response.writeHead(500).end('down');
    smtp.behaviour.rcptFor = {};
    await submitTo(t, 'contact', { name: 'Ben', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    for (let i = 0; i < 8; i++) {
      t.clock.advance(11 * MINUTE);
      await sweep();
    }
    const failed = (await (await t.api('/deliveries?channel=alert&status=failed')).json()) as { items: unknown[] };
    expect(failed.items).toHaveLength(1);
    expect(await incidentRows()).toHaveLength(1);
    expect(t.errors.filter((line) => line.includes('opened'))).toHaveLength(1);
  });

  it('should alert once when notifications stay held because SMTP_URL is not set, and say so', async () => {
    const hook = await receiver();
    await app({ ALERT_WEBHOOK_URL: hook.url });
    await submitTo(t, 'contact', { name: 'Ann', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(hook.received).toHaveLength(0);

    t.clock.advance(31 * MINUTE);
    await sweep();
    t.clock.advance(31 * MINUTE);
    await sweep();
    expect(texts(hook)).toHaveLength(1);
    expect(texts(hook)[0]).toMatch(/1 delivery is still undelivered after 30 min/);
    expect(texts(hook)[0]).toMatch(/1 of them is held: SMTP_URL is not set, so no notification goes out\./);
  });

  it('should show an alert on its own page in the admin, with its history, and come back there after a retry', async () => {
    const hook = await receiver();
    hook.state.answer = (_request, response) => void response.writeHead(503).end('<b>busy</b>');
    const smtp = await sink();
    smtp.behaviour.rcptFor = { 'owner@site.test': '550 5.1.1 No such user here' };
    await app({ SMTP_URL: smtp.url, ALERT_WEBHOOK_URL: hook.url });
    await submitTo(t, 'contact', { name: 'Ann', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();

    const browser = adminBrowser(() => t);
    const cookie = await browser.session();
    const list = await browser.page('/admin/deliveries?channel=alert', cookie);
    const href = /href="(\/admin\/deliveries\/[0-9A-Z]+)"/.exec(list.html)?.[1];
    expect(href).toBeDefined();
    const page = await browser.page(href!, cookie);
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Alert');
    expect(page.html).toContain('HTTP 503: &lt;b&gt;busy&lt;/b&gt;');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const retried = await browser.post(`${href}/retry`, { _csrf: token }, { cookie });
    expect(retried.status).toBe(303);
    expect(retried.headers.get('location')).toBe(href);
  });

  it('should stay silent without ALERT_WEBHOOK_URL or ALERT_EMAIL', async () => {
    const smtp = await sink();
    smtp.behaviour.rcptFor = { 'owner@site.test': '550 5.1.1 No such user here' };
    await app({ SMTP_URL: smtp.url });
    await submitTo(t, 'contact', { name: 'Ann', email: 'v@example.com', message: 'Hello' });
    await t.settle();
    await sweep();
    expect(await incidentRows()).toHaveLength(0);
  });
});
