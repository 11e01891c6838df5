import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateLibsql, openLibsql, type LibsqlDatabase } from '../../src/db/libsql.ts';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A database migrated only up to `tag`, as a server of that release left it, and the full migrations. */
async function databaseAt(tag: string): Promise<LibsqlDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'formharbor-migrations-'));
  const older = join(dir, 'drizzle');
  cpSync(MIGRATIONS, older, { recursive: true });
  const journalPath = join(older, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((entry) => entry.tag === tag) + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  const database = await openLibsql(`file:${join(dir, 'old.db')}`);
  await migrateLibsql(database, older);
  cleanups.push(() => {
    database.client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return database;
}

describe('migration 0001 (delivered_to)', () => {
  it('marks who accepted a delivery that a partial refusal left to retry, and nobody for the others', async () => {
    const database = await databaseAt('0000_init');
    const sql = (text: string) => database.client.execute(text);
    await sql(
      `INSERT INTO forms (id, name, recipients, fields, allowed_origins, created_at, updated_at) VALUES ('f', 'F', '["owner@site.test","Team@Site.test"]', '[]', '[]', 1, 1)`,
    );
    await sql(`INSERT INTO submissions (id, form_id, created_at, status, data, meta) VALUES ('s', 'f', 1, 'inbox', '{}', '{}')`);
    const delivery = (id: string, recipients: string, status: string, attempts: number) =>
      sql(
        `INSERT INTO deliveries (id, submission_id, recipients, status, attempts, created_at, retry_since, message_id) VALUES ('${id}', 's', '${recipients}', '${status}', ${attempts}, 1, 1, '<${id}@x>')`,
      );
    await delivery('partial', '["team@site.test"]', 'pending', 1);
    await delivery('refused-by-all', '["owner@site.test","Team@Site.test"]', 'failed', 1);
    await delivery('not-yet-tried', '["owner@site.test","Team@Site.test"]', 'pending', 0);
    await delivery('sent', '["owner@site.test","Team@Site.test"]', 'sent', 1);

    await migrateLibsql(database, MIGRATIONS);

    const rows = (await sql('SELECT id, delivered_to FROM deliveries ORDER BY id')).rows.map((row) => [
      row.id,
      JSON.parse(String(row.delivered_to)),
    ]);
    expect(rows).toEqual([
      ['not-yet-tried', []],
      ['partial', ['owner@site.test']],
      ['refused-by-all', []],
      ['sent', []],
    ]);
  });
});
