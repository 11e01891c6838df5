// The bare Worker plus the D1 work Formharbor's intake does per submission in the bench (the
// rate limit is off there): one batch of two inserts, like a submission and its delivery row.
// Its req/s beside the bare Worker's is what the local D1 simulator alone costs under
// `wrangler dev`, whatever Formharbor does around it.
import type { D1Database } from '@cloudflare/workers-types/index.ts';

let tableReady: Promise<unknown> | undefined;

/** Stores the posted fields and a delivery row in one batch, as a submission is: the submission's id. */
export async function storeTwoRows(request: Request, db: D1Database): Promise<string> {
  const fields = new URLSearchParams(await request.text());
  tableReady ??= db.exec('CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL)');
  await tableReady;
  const id = crypto.randomUUID();
  const insert = db.prepare('INSERT INTO rows (id, kind, body) VALUES (?, ?, ?)');
  await db.batch([insert.bind(id, 'submission', JSON.stringify([...fields])), insert.bind(`${id}:mail`, 'delivery', '{}')]);
  return id;
}

export default {
  async fetch(request: Request, env: { DB: D1Database }): Promise<Response> {
    if (request.method !== 'POST') return Response.json({ ok: true });
    return Response.json({ ok: true, id: await storeTwoRows(request, env.DB) }, { status: 201 });
  },
};
