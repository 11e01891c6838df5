import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createForm } from '../../src/db/forms.ts';
import { deliveries, submissions } from '../../src/db/schema.ts';
import { submissionInsert } from '../../src/db/submissions.ts';
import type { Deps } from '../../src/deps.ts';
import { isUniqueViolation } from '../../src/db/client.ts';
import { nodeDeps } from '../../src/node-wiring.ts';
import { createGroupCommit } from '../../src/db/group-commit.ts';
import { openLibsql } from '../../src/db/libsql.ts';
import { form } from '../support/app.ts';

let dir: string;
let deps: Deps;
let close: () => Promise<void>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'formharbor-group-'));
  const { config } = loadConfig(
    {
      DATABASE_URL: `file:${join(dir, 'db.sqlite')}`,
      RATE_LIMIT: 'off',
      ADMIN_TOKEN: 'group-commit-token-0123456789',
      ADMIN_PASSWORD: 'y'.repeat(10),
    },
    () => '',
  );
  ({ deps, close } = await nodeDeps(config, { info: () => {}, error: () => {} }));
  deps.clientIp = () => '192.0.2.1';
  await createForm(
    deps.db,
    { id: 'contact', name: 'Contact', recipients: ['o@site.test'], allowedOrigins: [], fields: [], extraFields: 'keep' },
    Date.now(),
  );
});
afterEach(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (id: string, key: string | null = null) =>
  submissionInsert(deps.db, { id, formId: 'contact', createdAt: 1, status: 'inbox', data: { n: id }, meta: {}, idempotencyKey: key });

describe('group commit (Node, libSQL file)', () => {
  it('should commit 200 concurrent writes, each visible once its promise resolves', async () => {
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await deps.commit([insert(`s${i}`)]);
        const [row] = await deps.db
          .select()
          .from(submissions)
          .where(eq(submissions.id, `s${i}`));
        expect(row?.data).toEqual({ n: `s${i}` });
      }),
    );
    expect((await deps.db.select({ n: count() }).from(submissions))[0]!.n).toBe(200);
  });

  it('should fail only the job that breaks a constraint and keep its group-mates and its own earlier statements out', async () => {
    await deps.commit([insert('first', 'k')]);
    const results = await Promise.allSettled([
      deps.commit([insert('a')]),
      deps.commit([insert('b'), insert('dup', 'k')]),
      deps.commit([insert('c')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(isUniqueViolation((results[1] as PromiseRejectedResult).reason)).toBe(true);
    const ids = (await deps.db.select({ id: submissions.id }).from(submissions)).map((r) => r.id).sort();
    expect(ids).toEqual(['a', 'c', 'first']);
  });

  it('should store one submission and one delivery for 30 concurrent posts with one key through the real app', async () => {
    // From 30 addresses: one address has at most 4 bodies read at once (src/forms/body-guard.ts).
    deps.clientIp = (c) => c.req.header('x-test-ip');
    const app = createApp(deps);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        app.request('/f/contact', {
          method: 'POST',
          headers: { accept: 'application/json', 'idempotency-key': 'same', 'x-test-ip': `198.51.100.${i}` },
          body: form({ email: 'a@b.test' }),
        }),
      ),
    );
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(bodies).size).toBe(1);
    expect((await deps.db.select({ n: count() }).from(submissions))[0]!.n).toBe(1);
    expect((await deps.db.select({ n: count() }).from(deliveries))[0]!.n).toBe(1);
  });

  it('should count concurrent hits exactly and answer 429 past the limit when the counter goes through the commit thread', async () => {
    deps.config.rateLimit = { max: 3, windowMs: 600_000 };
    const app = createApp(deps);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.request('/f/contact', { method: 'POST', headers: { accept: 'application/json' }, body: form({ email: `v${i}@b.test` }) }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(590);
    expect((await deps.db.select({ n: count() }).from(submissions))[0]!.n).toBe(3);
  });

  it('should let every commit handed to the thread finish when closed, and start a fresh thread for later ones', async () => {
    const grouped = createGroupCommit(`file:${join(dir, 'db.sqlite')}`);
    const ids = Array.from({ length: 300 }, (_, i) => `t${i}`);
    const commits: Promise<unknown>[] = [];
    let closed: Promise<void> | undefined;
    for (const [i, id] of ids.entries()) {
      commits.push(grouped.commit([insert(id)]));
      // Waves of 30 reach the thread one event-loop turn apart; it is closed while some are on their way.
      if (i % 30 === 29) await new Promise((resolve) => setImmediate(resolve));
      if (i === 149) closed = grouped.close();
    }
    await Promise.all([...commits, closed]);
    const stored = new Set((await deps.db.select({ id: submissions.id }).from(submissions)).map((r) => r.id));
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    await grouped.close();
  });

  it('should write in WAL mode with synchronous=FULL on the main connection and on the commit thread (RELIABILITY rule 1)', async () => {
    const pragma = async (name: string) => Object.values((await deps.commit([{ sql: `PRAGMA ${name}`, params: [] }]))[0]![0]!)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2);
    expect(Object.values((await deps.db.all<Record<string, unknown>>(sql`PRAGMA synchronous`))[0]!)[0]).toBe(2);
  });

  it('should refuse to open a database that cannot keep a write-ahead log, rather than run without one', async () => {
    await expect(openLibsql('file::memory:')).rejects.toThrow('expected journal_mode=wal and synchronous=FULL, got memory');
  });

  it('should reject, not hang, when its thread cannot open the database', async () => {
    const grouped = createGroupCommit(`file:${join(dir, 'missing', 'folder', 'db.sqlite')}`);
    await expect(grouped.commit([insert('x')])).rejects.toThrow();
    // A thread that died answers for nothing more; the next commit tries a fresh one.
    await expect(grouped.commit([insert('y')])).rejects.toThrow();
    await grouped.close();
  });

  it('should refuse a value it cannot bind (the driver would abort the process) without touching other commits', async () => {
    const bad = { ...insert('bad'), params: [...insert('bad').params.slice(0, -1), true] };
    const results = await Promise.allSettled([deps.commit([insert('good')]), deps.commit([bad])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((await deps.db.select({ id: submissions.id }).from(submissions)).map((r) => r.id)).toEqual(['good']);
  });

  it('should report a full disk as the reason, for every job of the group', async () => {
    await deps.commit([insert('first')]);
    const pages = Number((await deps.db.all<{ page_count: number }>(sql`PRAGMA page_count`))[0]!.page_count);
    await deps.commit([{ sql: `PRAGMA max_page_count = ${pages}`, params: [] }]);
    const big = (id: string) =>
      submissionInsert(deps.db, { id, formId: 'contact', createdAt: 1, status: 'inbox', data: { n: 'x'.repeat(200_000) }, meta: {} });
    const results = await Promise.allSettled([deps.commit([insert('small')]), deps.commit([big('big')])]);
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/full/) } });
  });
});
