// EXPERIMENT: the least a durable submission can do. Not committed.
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { hash } from 'node:crypto';
import { z } from 'zod';
import { migrateLibsql, openLibsql } from '../src/db/libsql.ts';
import { createGroupCommit } from '../src/db/group-commit.ts';
import { ulid } from '../src/ids.ts';

const url = process.env.DATABASE_URL!;
const database = await openLibsql(url);
await migrateLibsql(database, 'drizzle');
database.client.close();
const grouped = process.env.NOSTORE ? { commit: async () => [] } : createGroupCommit(url);
const schema = z.object({ name: z.string().max(200), email: z.email(), message: z.string().min(1).max(20000) });
const SUB = 'insert into submissions (id, form_id, created_at, status, data, meta, idempotency_key, body_hash) values (?, ?, ?, ?, ?, ?, NULL, NULL)';
const DEL = "insert into deliveries (id, submission_id, channel, recipients, delivered_to, status, attempts, created_at, retry_since, next_attempt_at, message_id) values (?, ?, 'email', ?, '[]', 'held', 0, ?, ?, ?, ?)";
const app = new Hono();
app.post('/f/:id', async (c) => {
  const fields = Object.fromEntries(new URLSearchParams(await c.req.text()));
  const parsed = schema.safeParse(fields);
  if (!parsed.success) return c.json({ ok: false }, 422);
  const now = Date.now();
  const id = ulid(now);
  const ipHash = hash('sha256', `demo\n${getConnInfo(c).remote.address}`).slice(0, 32);
  const meta = JSON.stringify({ ipHash, userAgent: c.req.header('user-agent'), replyTo: parsed.data.email, redirect: '/f/demo/thanks' });
  const did = ulid(now);
  await grouped.commit([
    { sql: SUB, params: [id, c.req.param('id'), now, 'inbox', JSON.stringify(parsed.data), meta] },
    { sql: DEL, params: [did, id, '["a@b.c"]', now, now, now, `<${did.toLowerCase()}@localhost>`] },
  ] as never);
  if (!process.env.NOHDR) c.header('Access-Control-Allow-Origin', '*');
  if (!process.env.NOHDR) c.header('Vary', 'Origin');
  return c.json({ ok: true, id }, 201);
});
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening (port ${info.port})`));
