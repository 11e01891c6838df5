import { execFile, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForm } from '../src/db/forms.ts';
import { migrateLibsql, openLibsql } from '../src/db/libsql.ts';
import { startNodeEntry } from './support/node-entry.ts';

// RELIABILITY row 35, scaled to the test's time: the form holds half again the process's whole
// heap. Read at once, as exports were, 100 submissions of 1 MB kill a process limited to 64 MB.
const ROWS = 100;
const HEAP = `--max-old-space-size=64`;
const MESSAGE = 'a,"b"\n' + 'x'.repeat(1_000_000);
const TOKEN = 'export-token-0123456789-abcdef';

const dir = mkdtempSync(join(tmpdir(), 'formharbor-export-'));
const databaseUrl = `file:${join(dir, 'large.db')}`;
const idOf = (i: number) => `01K${String(i).padStart(23, '0')}`;
const ids = Array.from({ length: ROWS }, (_, i) => idOf(i));
let server: { child: ChildProcess; port: number } | undefined;
let serverErrors = '';

beforeAll(async () => {
  const database = await openLibsql(databaseUrl);
  try {
    await migrateLibsql(database, fileURLToPath(new URL('../drizzle', import.meta.url)));
    await createForm(
      database.db,
      { id: 'big', name: 'Big', recipients: ['me@big.test'], allowedOrigins: [], fields: [], extraFields: 'keep' },
      0,
    );
    // One statement takes seconds where posting 100 MB through intake would take most of the test's time.
    // Only the last submission has the field `late`: the CSV header must still name it.
    await database.client.execute({
      sql: `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
            INSERT INTO submissions (id, form_id, created_at, status, data, meta)
            SELECT printf('01K%023d', i), 'big', ? + i * 1000, 'inbox',
                   CASE WHEN i = ? - 1 THEN json_object('name', 'n' || i, 'message', ?, 'late', 'yes')
                        ELSE json_object('name', 'n' || i, 'message', ?) END,
                   '{}'
            FROM n`,
      args: [ROWS, Date.UTC(2026, 0, 1), ROWS, MESSAGE, MESSAGE],
    });
  } finally {
    database.client.close();
  }
  server = await startNodeEntry({ DATABASE_URL: databaseUrl, ADMIN_TOKEN: TOKEN, NODE_OPTIONS: HEAP });
  server.child.stderr!.on('data', (chunk: Buffer) => (serverErrors += chunk));
}, 60_000);
afterAll(() => {
  server?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A GET on a connection of its own: the checks between requests can outlast the server's
 * keep-alive, and a pooled connection it closes meanwhile would fail the next request.
 */
function get(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    request(`http://127.0.0.1:${server!.port}${path}`, { agent: false, headers }, resolve).on('error', reject).end(),
  );
}
async function textOf(res: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res.setEncoding('utf8')) text += chunk as string;
  return text;
}
const health = async () => {
  const res = await get('/healthz');
  await textOf(res);
  return res.statusCode;
};

/**
 * Reads an export as fast as the server sends it while asking /healthz again and again; answers
 * the export and the health answers that came back before its last byte.
 */
async function exportWhileProbing(format: string): Promise<{ text: string; healthMeanwhile: (number | undefined)[] }> {
  const { child } = server!;
  expect([child.exitCode, child.signalCode, serverErrors]).toEqual([null, null, '']);
  const res = await get(`/api/forms/big/export?format=${format}`, { authorization: `Bearer ${TOKEN}` });
  expect(res.statusCode).toBe(200);
  const healthMeanwhile: (number | undefined)[] = [];
  let exporting = true;
  const probing = (async () => {
    while (exporting) {
      const status = await health();
      if (exporting) healthMeanwhile.push(status);
    }
  })();
  try {
    return { text: await textOf(res), healthMeanwhile };
  } finally {
    exporting = false;
    await probing;
  }
}

const csvRow = (i: number, late = '') =>
  `${idOf(i)},${new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString()},inbox,,n${i},"a,""b""\n${'x'.repeat(1_000_000)}",${late}`;

function expectCompleteCsv(text: string) {
  // No value holds a CR: every CRLF ends a record.
  const lines = text.split('\r\n');
  expect(lines[0]).toBe('id,createdAt,status,spamReasons,name,message,late');
  expect(lines.slice(1, -1).map((line) => line.slice(0, idOf(0).length))).toEqual(ids);
  expect(lines[1]).toBe(csvRow(0));
  expect(lines[ROWS]).toBe(csvRow(ROWS - 1, 'yes'));
  expect(lines[ROWS + 1]).toBe('');
}

describe(`an export of ${ROWS} submissions of 1 MB by a server limited to ${HEAP}`, () => {
  it('should stream the whole JSON array, answering /healthz meanwhile', async () => {
    const { text, healthMeanwhile } = await exportWhileProbing('json');
    const rows = JSON.parse(text) as { id: string; data: Record<string, string> }[];
    expect(rows.map((row) => row.id)).toEqual(ids);
    expect(rows[ROWS - 1]!.data).toEqual({ name: `n${ROWS - 1}`, message: MESSAGE, late: 'yes' });
    // Byte for byte what one JSON.stringify of every submission gave.
    expect(text === JSON.stringify(rows)).toBe(true);
    expect(healthMeanwhile.length).toBeGreaterThanOrEqual(3);
    expect(healthMeanwhile.every((status) => status === 200)).toBe(true);
  }, 60_000);

  it('should stream every CSV row under a header naming a field only the last submission has, and stay up', async () => {
    const { text, healthMeanwhile } = await exportWhileProbing('csv');
    expectCompleteCsv(text);
    expect(healthMeanwhile.length).toBeGreaterThanOrEqual(3);
    expect(healthMeanwhile.every((status) => status === 200)).toBe(true);
    expect([server!.child.exitCode, server!.child.signalCode]).toEqual([null, null]);
    expect(await health()).toBe(200);
  }, 60_000);
});

const run = promisify(execFile);
const formharbor = (...args: string[]) =>
  run(process.execPath, [HEAP, 'bin/formharbor.mjs', 'submissions', 'export', '--form', 'big', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 2 * ROWS * 1024 * 1024,
    timeout: 60_000,
  });

describe(`npx formharbor submissions export of the same form, limited to ${HEAP}`, () => {
  it('should write the whole indented JSON array to --out', async () => {
    const out = join(dir, 'export.json');
    await formharbor('--format', 'json', '--out', out);
    const text = readFileSync(out, 'utf8');
    const rows = JSON.parse(text) as { id: string }[];
    expect(rows.map((row) => row.id)).toEqual(ids);
    expect(text === JSON.stringify(rows, null, 2) + '\n').toBe(true);
  }, 60_000);

  it('should write the whole CSV to stdout', async () => {
    expectCompleteCsv((await formharbor()).stdout);
  }, 60_000);
});
