import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { generateDkimKey } from '../src/mail/dkim.ts';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { startRelay, startWranglerDev, testCertificate, wrangler, type WranglerDev } from './support/wrangler.ts';

// The Worker build on workerd with a local D1, driven over HTTP like a deployed one, with
// a real SMTP server (STARTTLS with a verified certificate, then AUTH, as on port 587)
// behind a relay whose port survives an outage.

const ADMIN_TOKEN = 'worker-admin-token-0123456789';
const SMTP_AUTH = { user: 'formharbor', pass: 'smtp-secret' };
const FREE_PLAN_GZIP_LIMIT = 3 * 1024 * 1024;
// Any delivery that reaches this form fails inside D1's batch, as a full or broken database would.
const BROKEN_FORM = 'd1-fails';
const FAIL_DELIVERY_INSERTS = `CREATE TRIGGER fail_d1_write BEFORE INSERT ON deliveries
  WHEN EXISTS (SELECT 1 FROM submissions WHERE id = NEW.submission_id AND form_id = '${BROKEN_FORM}')
  BEGIN SELECT RAISE(ABORT, 'simulated D1 write failure'); END;`;

/**
 * More rows than one D1 statement may bind (100 parameters), made before the Worker starts: a
 * form kept for a day whose 150 submissions are decades old (their ULIDs are all zeros in
 * time), and 150 submissions on another holding one address, for an erase.
 */
const MANY = 150;
const MANY_ROWS = `INSERT INTO forms (id, name, recipients, fields, allowed_origins, created_at, updated_at, retention_days)
  VALUES ('aged', 'Aged', '["owner@site.test"]', '[]', '[]', 0, 0, 1), ('erased', 'Erased', '["owner@site.test"]', '[]', '[]', 0, 0, NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${MANY})
  INSERT INTO submissions (id, form_id, created_at, status, data, meta)
  SELECT printf('0000000000000000000A%06d', i), 'aged', 0, 'inbox', '{"message":"old"}', '{}' FROM n
  UNION ALL SELECT printf('0000000000000000000B%06d', i), 'erased', 0, 'inbox', '{"email":"gone@example.com"}', '{}' FROM n;`;

type Delivery = { id: string; status: string; attempts: number; lastError: string | null; messageId: string };
type StoredSubmission = { id: string; data: Record<string, unknown>; deliveries: Delivery[] };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Two cores shared with other suites: workerd answers slower than an in-process app.
// Every message the Worker sends is signed with this key; a verifier is given its record.
const DKIM = generateDkimKey('harbor.test', 'edge');

describe('Formharbor on workerd with a local D1 (wrangler dev)', { timeout: 60_000 }, () => {
  let dir: string;
  let sink: SmtpSink | undefined;
  let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
  let dev: WranglerDev | undefined;
  let tls = false;
  let secureSessions = 0;

  const url = (path: string) => `${dev!.url}${path}`;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(url(`/api${path}`), {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
  const createForm = async (body: Record<string, unknown>) => {
    const res = await api('/forms', {
      method: 'POST',
      body: JSON.stringify({ name: 'Contact', recipients: ['owner@site.test'], ...body }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  };
  const submit = (formId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(url(`/f/${formId}`), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const stored = async (id: string) => (await (await api(`/submissions/${id}`)).json()) as StoredSubmission;
  const mailsFor = (id: string) => sink!.messages.filter((mail) => mail.parsed.headers.get('x-formharbor-submission') === id);
  const runCron = async () => {
    const res = await fetch(url('/__scheduled'));
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'formharbor-worker-'));
    const certificate = testCertificate(dir);
    tls = !!certificate;
    sink = await startSmtpSink({
      auth: SMTP_AUTH,
      // Without openssl to make a trusted certificate, plain SMTP: workerd would refuse smtp-server's own.
      ...(certificate ? { key: certificate.key, cert: certificate.cert, disabledCommands: [] } : {}),
      onSecure: (_socket, _session, callback) => {
        secureSessions++;
        callback();
      },
    });
    const { port: relayPort } = (relay = await startRelay(sink.port));
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], dir);
    await wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', dir, '--command', FAIL_DELIVERY_INSERTS], dir);
    await wrangler(['d1', 'execute', 'DB', '--local', '--persist-to', dir, '--command', MANY_ROWS], dir);
    // ADMIN_PASSWORD stays unset: /admin is closed.
    dev = await startWranglerDev(
      dir,
      (publicUrl) => ({
        PUBLIC_URL: publicUrl,
        ADMIN_TOKEN,
        // Without a certificate the relay on this host takes the password in clear, as the URL must then say.
        SMTP_URL: `smtp://${SMTP_AUTH.user}:${SMTP_AUTH.pass}@127.0.0.1:${relayPort}${certificate ? '' : '?allowPlainAuth=true'}`,
        MAIL_FROM: 'Formharbor <forms@harbor.test>',
        DKIM_DOMAIN: 'harbor.test',
        DKIM_SELECTOR: 'edge',
        // On one line with \n escapes, as a secret store holds it.
        DKIM_PRIVATE_KEY: DKIM.privateKey.trim().split('\n').join('\\n'),
        DELIVERY_RETRY_SCHEDULE: '1s',
        RATE_LIMIT: '5/10m',
      }),
      { env: certificate ? { NODE_EXTRA_CA_CERTS: certificate.caFile } : {} },
    );
  }, 240_000);

  afterAll(async () => {
    await dev?.stop();
    await relay?.stop();
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('should answer /healthz with the database and the outbox backlog', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: 'ok', outbox: { pending: expect.any(Number), held: 0, failed: expect.any(Number) } });
  });

  it('should store a submission in D1 and mail it from the request', async () => {
    const form = await createForm({
      name: 'Contact us',
      recipients: ['owner@site.test', 'team@site.test'],
      fields: [{ name: 'email', type: 'email', required: true }],
    });
    const res = await submit(
      form.id,
      { email: 'alice@example.com', message: 'Hello from the edge' },
      { 'idempotency-key': crypto.randomUUID() },
    );
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };

    const [mail] = await until('the mail', async () => (mailsFor(id).length ? mailsFor(id) : undefined));
    expect(mail!.envelope).toEqual({ from: 'forms@harbor.test', to: ['owner@site.test', 'team@site.test'] });
    expect(mail!.parsed.replyTo?.value).toEqual([{ address: 'alice@example.com', name: '' }]);
    expect(mail!.parsed.subject).toBe('New submission: Contact us');
    expect(mail!.parsed.text).toContain('Hello from the edge');
    // The admin link names PUBLIC_URL.
    expect(mail!.parsed.text).toContain(`${dev!.url}/admin/submissions/${id}`);

    const row = await until('the delivery to be sent', async () => {
      const submission = await stored(id);
      return submission.deliveries[0]?.status === 'sent' ? submission : undefined;
    });
    expect(row.data).toEqual({ email: 'alice@example.com', message: 'Hello from the edge' });
    expect(row.deliveries).toEqual([expect.objectContaining({ status: 'sent', attempts: 1, messageId: mail!.parsed.messageId })]);

    // Signed on workerd: a verifier that finds the published key passes it.
    const resolver = async (name: string) => (name === DKIM.name ? [[DKIM.record]] : []);
    const { results } = await dkimVerify(Buffer.from(mail!.raw), { resolver });
    expect(results.map((r) => [r.signingDomain, r.selector, r.status.result])).toEqual([['harbor.test', 'edge', 'pass']]);
  });

  it('should upgrade to TLS with STARTTLS and a verified certificate, then authenticate', async (context) => {
    if (!tls) context.skip('openssl is not installed: the suite runs on plain SMTP');
    const form = await createForm({});
    const tlsBefore = secureSessions;
    const res = await submit(form.id, { message: 'over TLS' });
    const { id } = (await res.json()) as { id: string };
    await until('the mail', async () => (mailsFor(id).length ? true : undefined));
    // smtp-server calls onSecure once per completed TLS handshake; it refuses mail without AUTH.
    expect(secureSessions).toBeGreaterThan(tlsBefore);
  });

  it('should replay an idempotent submission and refuse the key with another body', async () => {
    const form = await createForm({});
    const key = crypto.randomUUID();
    const first = await submit(form.id, { message: 'once' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    await until('the mail', async () => (mailsFor(id).length ? true : undefined));

    const again = await submit(form.id, { message: 'once' }, { 'idempotency-key': key });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ ok: true, id });
    const other = await submit(form.id, { message: 'twice' }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ ok: false, error: 'idempotency_conflict' });

    await runCron();
    const list = (await (await api(`/forms/${form.id}/submissions`)).json()) as { items: StoredSubmission[] };
    expect(list.items.map((s) => s.id)).toEqual([id]);
    expect(mailsFor(id)).toHaveLength(1);
  });

  it('should keep a submission while SMTP is down and deliver it once from the cron', async () => {
    const form = await createForm({});
    await relay!.stop();
    const res = await submit(form.id, { message: 'sent during an outage' });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };

    // The first attempt, under the request's waitUntil, fails and leaves the row to the cron.
    const failed = await until('the failed first attempt', async () => {
      const [delivery] = (await stored(id)).deliveries;
      return delivery?.status === 'pending' && delivery.attempts === 1 ? delivery : undefined;
    });
    expect(failed.lastError).toMatch(/ECONNREFUSED|ECONNECTION|connect|refused/i);
    expect(mailsFor(id)).toHaveLength(0);

    await relay!.start();
    // DELIVERY_RETRY_SCHEDULE is 1s: the cron sweeps until the retry is due; each extra sweep
    // is one more chance to send a duplicate.
    await until('the mail after recovery', async () => {
      if (mailsFor(id).length) return true;
      await runCron();
      return undefined;
    });
    const delivered = await until('the delivery to be sent', async () => {
      const [delivery] = (await stored(id)).deliveries;
      return delivery?.status === 'sent' ? delivery : undefined;
    });
    expect(delivered.attempts).toBe(2);

    await runCron();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailsFor(id)).toHaveLength(1);

    // The owner's retry runs its statements on D1 too: the same message once more.
    expect((await api(`/deliveries/${delivered.id}/retry`, { method: 'POST' })).status).toBe(200);
    await until('the re-sent mail', async () => {
      if (mailsFor(id).length === 2) return true;
      await runCron();
      return undefined;
    });
  });

  it('should say what a refused TLS certificate means, since workerd keeps the cause for its log', async () => {
    // smtp-server's own certificate, which nothing trusts, behind the port the Worker knows.
    const untrusted = await startSmtpSink({ starttls: true });
    relay!.target(untrusted.port);
    try {
      const res = await api('/mail/test', { method: 'POST', body: JSON.stringify({ to: 'owner@site.test' }) });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { ok: boolean; error: string };
      expect(answer.ok).toBe(false);
      expect(answer.error).toMatch(
        /^ESOCKET: .+ \(on Workers this is a failed TLS handshake: the certificate must be valid for the host name and publicly trusted; the Worker log names the cause\)$/,
      );
      expect(untrusted.messages).toHaveLength(0);
    } finally {
      relay!.target(sink!.port);
      await untrusted.close();
    }
  });

  it('should answer 422 for invalid fields and 403 for a foreign origin, storing nothing', async () => {
    const form = await createForm({ allowedOrigins: ['https://site.test'], fields: [{ name: 'email', type: 'email', required: true }] });
    const invalid = await submit(form.id, { email: 'not an address' }, { origin: 'https://site.test' });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ ok: false, error: 'validation', fields: { email: [expect.any(String)] } });
    const foreign = await submit(form.id, { email: 'bob@example.com' }, { origin: 'https://evil.test' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ ok: false, error: 'origin' });
    const list = (await (await api(`/forms/${form.id}/submissions`)).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('should redirect a plain form post to the thanks page', async () => {
    const form = await createForm({});
    const res = await fetch(url(`/f/${form.id}`), { method: 'POST', body: new URLSearchParams({ message: 'hi' }), redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/f/${form.id}/thanks`);
  });

  it('should answer 503 and keep nothing when the D1 write fails', async () => {
    await createForm({ id: BROKEN_FORM });
    const res = await submit(BROKEN_FORM, { message: 'lost?' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ ok: false, error: 'unavailable' });
    // The batch is atomic on D1: the submission went with its delivery.
    const list = (await (await api(`/forms/${BROKEN_FORM}/submissions`)).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('should erase by email and sweep retention past the 100 parameters a D1 statement binds', async () => {
    const erased = await api('/erase', { method: 'POST', body: JSON.stringify({ email: 'gone@example.com' }) });
    expect([erased.status, await erased.json()]).toEqual([200, { ok: true, deleted: MANY }]);
    await runCron();
    await until('the aged submissions swept', async () => {
      const list = (await (await api('/forms/aged/submissions?limit=1')).json()) as { items: unknown[] };
      return list.items.length === 0 ? true : undefined;
    });
  });

  it('should sign a _ticket with the secret kept in D1 and judge spam rules there, storing spam unmailed', async () => {
    const form = await createForm({ spam: { minSeconds: 30, blockedIps: ['198.51.100.0/24'] } });
    const { ticket } = (await (await fetch(url(`/f/${form.id}/ticket`))).json()) as { ticket: string };
    const fast = await submit(form.id, { message: 'too soon', _ticket: ticket });
    expect(fast.status).toBe(201);
    const blocked = await submit(form.id, { message: 'from a blocked range' }, { 'cf-connecting-ip': '198.51.100.9' });
    const person = await submit(form.id, { message: 'a person, no ticket' }, { 'cf-connecting-ip': '203.0.113.4' });
    const view = async (res: Response) => {
      const body = (await api(`/submissions/${((await res.json()) as { id: string }).id}`).then((r) => r.json())) as StoredSubmission & {
        status: string;
        spamReasons: string[];
      };
      return [body.status, body.spamReasons, body.deliveries.length];
    };
    expect(await view(fast)).toEqual(['spam', ['too_fast'], 0]);
    expect(await view(blocked)).toEqual(['spam', ['blocked_ip'], 0]);
    expect(await view(person)).toEqual(['inbox', [], 1]);
  });

  it('should limit submissions per IP in D1 and leave other IPs alone', async () => {
    const form = await createForm({});
    const from = (ip: string) => submit(form.id, { message: 'flood' }, { 'cf-connecting-ip': ip });
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7')).status).toBe(201);
    const limited = await from('203.0.113.7');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await from('203.0.113.8')).status).toBe(201);
  });

  // One app per isolate (src/worker.ts): the guard counts every request's body, not only its own.
  it('should refuse a fifth body read at once from one address, across requests, and take one from another address', async () => {
    const form = await createForm({});
    const slowPost = (ip: string) => {
      let sent = 0;
      // Half the JSON now, the rest after a second: the body is being read all that while.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent++ === 0) return controller.enqueue(new TextEncoder().encode('{"message":'));
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          controller.enqueue(new TextEncoder().encode('"slow"}'));
          controller.close();
        },
      });
      return fetch(url(`/f/${form.id}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': ip },
        body,
        duplex: 'half',
      } as RequestInit);
    };
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => slowPost('203.0.113.50')))).map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(4);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    expect((await slowPost('203.0.113.51')).status).toBe(201);
  });

  it('should refuse /api without the token and close /admin while ADMIN_PASSWORD is unset', async () => {
    expect((await fetch(url('/api/forms'))).status).toBe(401);
    expect((await fetch(url('/api/forms'), { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    for (const path of ['/admin', '/admin/forms/x', '/%61dmin']) {
      const res = await fetch(url(path));
      expect(res.status, path).toBe(401);
      expect(await res.text()).toContain('ADMIN_PASSWORD is not set');
    }
    const login = await fetch(url('/admin/login'), {
      method: 'POST',
      body: new URLSearchParams({ password: '' }),
      headers: { origin: dev!.url },
    });
    expect(login.status).toBe(401);
    expect(login.headers.get('set-cookie')).toBeNull();
  });

  it('should serve /embed.js from the bundle', async () => {
    const before = readFileSync(new URL('../public/embed.js', import.meta.url), 'utf8');
    const res = await fetch(url('/embed.js'));
    const after = readFileSync(new URL('../public/embed.js', import.meta.url), 'utf8');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    // public/embed.js may be edited while this runs; wrangler dev rebuilds on change.
    expect([before, after]).toContain(await res.text());
  });
});

describe('a Worker without PUBLIC_URL (security row 39)', { timeout: 60_000 }, () => {
  let dir: string;
  let dev: WranglerDev | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'formharbor-worker-nourl-'));
    // No migrations: the Worker must refuse before it touches D1.
    dev = await startWranglerDev(dir, { ADMIN_TOKEN }, { readyStatus: 503 });
  }, 240_000);
  afterAll(async () => {
    await dev?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('should answer /healthz 503 with the reason, every other request 500, and name PUBLIC_URL in its log', async () => {
    const health = await fetch(`${dev!.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      ok: false,
      error: 'misconfigured',
      reason: expect.stringMatching(/^PUBLIC_URL is not set/),
    });
    for (const [path, init] of [
      ['/f/contact', { method: 'POST', body: JSON.stringify({ message: 'hi' }), headers: { 'content-type': 'application/json' } }],
      ['/api/forms', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }],
      ['/', {}],
    ] as const) {
      const res = await fetch(`${dev!.url}${path}`, init);
      expect(res.status, path).toBe(500);
      expect(await res.json()).toMatchObject({ ok: false, error: 'internal', message: expect.stringContaining('misconfigured') });
    }
    // workerd's console reaches wrangler's output a moment after the answer.
    await until('the log line', async () => (dev!.output().includes('formharbor: PUBLIC_URL is not set') ? true : undefined), 10_000);
  });
});

describe('the Workers bundle', () => {
  it('should build with wrangler and stay under the free plan limit of 3 MB gzipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'formharbor-bundle-'));
    try {
      await wrangler(['deploy', '--dry-run', '--outdir', join(dir, 'out')], dir);
      const modules = readdirSync(join(dir, 'out')).filter((name) => name.endsWith('.js'));
      const raw = modules.reduce((sum, name) => sum + statSync(join(dir, 'out', name)).size, 0);
      const gzipped = modules.reduce((sum, name) => sum + gzipSync(readFileSync(join(dir, 'out', name))).length, 0);
      console.log(`Workers bundle: ${modules.join(', ')}: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzipped / 1024).toFixed(1)} KiB gzipped`);
      expect(modules).toContain('worker.js');
      expect(gzipped).toBeLessThan(FREE_PLAN_GZIP_LIMIT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
