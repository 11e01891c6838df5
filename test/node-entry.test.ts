import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibsql } from '../src/db/libsql.ts';
import { deliveries, submissions } from '../src/db/schema.ts';
import { loadUntilKilled, startNodeEntry } from './support/node-entry.ts';
import { startSmtpSink } from './support/smtp-sink.ts';

const dir = mkdtempSync(join(tmpdir(), 'formharbor-crash-'));
const databaseUrl = `file:${join(dir, 'crash.db')}`;
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The real Node entry, as `npm start` runs it, on an ephemeral port. */
async function startServer(url = databaseUrl, env: Record<string, string> = {}): Promise<number> {
  const started = await startNodeEntry({
    DATABASE_URL: url,
    ADMIN_TOKEN: 'crash-token-0123456789-abcdef',
    ADMIN_PASSWORD: 'crash-password',
    ...env,
  });
  child = started.child;
  return started.port;
}

describe('kill -9 under load (RELIABILITY row 10)', () => {
  it('should keep every acknowledged submission with its delivery, and a sound database', async () => {
    const acked: string[] = [];
    for (const killAfterMs of [400, 700, 1000]) {
      const port = await startServer();
      acked.push(
        ...(await loadUntilKilled(child!, killAfterMs, (n) =>
          fetch(`http://127.0.0.1:${port}/f/demo`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body: `name=Crash&email=c%40crash.test&message=${n}`,
          }),
        )),
      );
    }
    expect(acked.length).toBeGreaterThan(20);
    const database = await openLibsql(databaseUrl);
    try {
      const stored = new Set<string>();
      const withDelivery = new Set<string>();
      for (let i = 0; i < acked.length; i += 500) {
        const ids = acked.slice(i, i + 500);
        for (const row of await database.db.select({ id: submissions.id }).from(submissions).where(inArray(submissions.id, ids)))
          stored.add(row.id);
        for (const row of await database.db
          .select({ id: deliveries.submissionId })
          .from(deliveries)
          .where(inArray(deliveries.submissionId, ids)))
          withDelivery.add(row.id);
      }
      expect(acked.filter((id) => !stored.has(id))).toEqual([]);
      expect(acked.filter((id) => !withDelivery.has(id))).toEqual([]);
      expect((await database.client.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
    } finally {
      database.client.close();
    }
  }, 90_000);
});

describe('a clean stop', () => {
  it('should leave every commit in the database file itself, so a backup copying only that file loses nothing', async () => {
    const port = await startServer(`file:${join(dir, 'stop.db')}`);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/f/demo`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ name: 'Stop', email: 's@stop.test', message: `m${i}` }),
      });
      expect(res.status).toBe(201);
    }
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
    mkdirSync(join(dir, 'backup'));
    copyFileSync(join(dir, 'stop.db'), join(dir, 'backup', 'stop.db'));
    const backup = await openLibsql(`file:${join(dir, 'backup', 'stop.db')}`);
    try {
      expect((await backup.client.execute(`select count(*) from submissions where form_id = 'demo'`)).rows[0]![0]).toBe(20);
    } finally {
      backup.client.close();
    }
  }, 30_000);
});

describe('the demo form', () => {
  it('should mail MAIL_FROM once it is set, if it still mailed the unread default', async () => {
    const url = `file:${join(dir, 'demo.db')}`;
    const recipients = async (port: number) =>
      (
        (await (
          await fetch(`http://127.0.0.1:${port}/api/forms/demo`, { headers: { authorization: 'Bearer crash-token-0123456789-abcdef' } })
        ).json()) as { recipients: string[] }
      ).recipients;
    const restart = async (env: Record<string, string>) => {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child!.kill('SIGTERM');
      await exited;
      return startServer(url, env);
    };
    expect(await recipients(await startServer(url))).toEqual(['forms@localhost']);
    expect(await recipients(await restart({ MAIL_FROM: 'Site <owner@site.test>' }))).toEqual(['owner@site.test']);
    // An owner's own choice stays.
    await fetch(`http://127.0.0.1:${await restart({ MAIL_FROM: 'Site <owner@site.test>' })}/api/forms/demo`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer crash-token-0123456789-abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: ['team@site.test'] }),
    });
    expect(await recipients(await restart({ MAIL_FROM: 'Other <other@site.test>' }))).toEqual(['team@site.test']);
    child!.kill('SIGTERM');
  }, 60_000);

  const TOKEN = { authorization: 'Bearer crash-token-0123456789-abcdef', 'content-type': 'application/json' };
  const demoOf = async (port: number) => fetch(`http://127.0.0.1:${port}/api/forms/demo`, { headers: TOKEN });
  const stop = async () => {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child!.kill('SIGTERM');
    await exited;
  };

  it("should take posts from the server's own origin only, PORT=0 included (security row 38)", async () => {
    const port = await startServer(`file:${join(dir, 'demo-origin.db')}`);
    try {
      const own = `http://127.0.0.1:${port}`;
      expect(((await (await demoOf(port)).json()) as { allowedOrigins: string[] }).allowedOrigins).toEqual([own]);
      const from = (origin: string) =>
        fetch(`${own}/f/demo`, {
          method: 'POST',
          headers: { accept: 'application/json', origin },
          body: new URLSearchParams({ name: 'Eve', email: 'eve@evil.test', message: 'hi', _subject: 'Reset your password' }),
        });
      expect((await from('https://evil.test')).status).toBe(403);
      expect((await from(own)).status).toBe(201);
    } finally {
      await stop();
    }
  }, 60_000);

  it('should not make the demo again once the owner deleted it', async () => {
    const url = `file:${join(dir, 'demo-deleted.db')}`;
    const port = await startServer(url);
    expect((await fetch(`http://127.0.0.1:${port}/api/forms/demo`, { method: 'DELETE', headers: TOKEN })).status).toBe(200);
    await stop();
    expect((await demoOf(await startServer(url))).status).toBe(404);
    await stop();
  }, 60_000);

  it('should restrict, once, a demo made before the restriction that takes posts from any site', async () => {
    const url = `file:${join(dir, 'demo-old.db')}`;
    await startServer(url);
    await stop();
    // What a database from before looks like: the demo open to every site, no record of it.
    const database = await openLibsql(url);
    await database.client.execute(`update forms set allowed_origins = '[]' where id = 'demo'`);
    await database.client.execute('delete from settings');
    database.client.close();
    let port = await startServer(url);
    expect(((await (await demoOf(port)).json()) as { allowedOrigins: string[] }).allowedOrigins).toEqual([`http://127.0.0.1:${port}`]);
    // The owner's own choice afterwards stays.
    await fetch(`http://127.0.0.1:${port}/api/forms/demo`, {
      method: 'PATCH',
      headers: TOKEN,
      body: JSON.stringify({ allowedOrigins: [] }),
    });
    await stop();
    port = await startServer(url);
    expect(((await (await demoOf(port)).json()) as { allowedOrigins: string[] }).allowedOrigins).toEqual([]);
    await stop();
  }, 60_000);
});

describe('the outbox timer', () => {
  it('should retry on its own every OUTBOX_INTERVAL, with no request to wake it', async () => {
    const smtp = await startSmtpSink();
    smtp.behaviour.rcpt = '451 4.3.0 Try again';
    try {
      const port = await startServer(`file:${join(dir, 'timer.db')}`, {
        SMTP_URL: smtp.url,
        OUTBOX_INTERVAL: '300ms',
        DELIVERY_RETRY_SCHEDULE: '200ms',
      });
      const res = await fetch(`http://127.0.0.1:${port}/f/demo`, {
        method: 'POST',
        headers: { accept: 'application/json' },
        body: new URLSearchParams({ name: 'T', email: 't@timer.test', message: 'hi' }),
      });
      expect(res.status).toBe(201);
      // Refused once, then the server recovers: only the timer can send it now. Its default (5 s) would miss this wait.
      await expect.poll(() => smtp.attempts.length, { timeout: 3_000 }).toBeGreaterThan(0);
      smtp.behaviour.rcpt = undefined;
      await smtp.waitFor(1, 3_000);
    } finally {
      child!.kill('SIGTERM');
      await smtp.close();
    }
  }, 30_000);
});

describe('npm start', () => {
  it('should stop the server when npm is stopped, not leave it serving without a parent', async () => {
    // As a process manager or a test harness runs it: `npm start`, then a SIGTERM to npm.
    const npm = spawn('npm', ['start'], {
      env: {
        ...process.env,
        PORT: '0',
        DATABASE_URL: `file:${join(dir, 'npm.db')}`,
        ADMIN_TOKEN: 'npm-token-0123456789-abcdefgh',
        ADMIN_PASSWORD: 'npm-password',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      npm.stdout!.on('data', (chunk: Buffer) => {
        out += chunk;
        const found = /\(port (\d+)\)/.exec(out)?.[1];
        if (found) resolve(Number(found));
      });
      npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    npm.kill('SIGTERM');
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            () => 'serving',
            () => 'stopped',
          ),
        { timeout: 10_000, interval: 250 },
      )
      .toBe('stopped');
  }, 60_000);
});
