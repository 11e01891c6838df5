import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvCell } from '../../src/admin/export.ts';
import { updateForm } from '../../src/db/forms.ts';
import { defaultSpamSettings } from '../../src/db/schema.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { submitTo } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact' });
});
afterEach(() => t.close());

const submit = (fields: Record<string, unknown>) => submitTo(t, 'contact', fields);

/** An RFC 4180 reader, strict enough to fail on a stray quote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (i >= text.length) throw new Error('unterminated quoted cell');
        if (text[i] === '"' && text[i + 1] === '"') cell += text[i++];
        else if (text[i] === '"') break;
        else cell += text[i];
      }
      i++;
    } else {
      while (i < text.length && !/[,\r\n"]/.test(text[i]!)) cell += text[i++];
      if (text[i] === '"') throw new Error(`bare quote at ${i}`);
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      rows.push(row);
      row = [];
      i += 2;
    } else throw new Error(`expected , or CRLF at ${i}`);
  }
  return rows;
}

const exportOf = (format: string, formId = 'contact') => t.api(`/forms/${formId}/export?format=${format}`);

describe('GET /api/forms/:id/export?format=json', () => {
  it('should answer a plain array of every submission, oldest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await submit({ n: i }));
    await submit({ spam: 'yes', _gotcha: 'bot' });
    const res = await exportOf('json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="contact-submissions.json"');
    const body = (await res.json()) as { id: string; formId: string; status: string; data: unknown }[];
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(61);
    expect(body.slice(0, 60).map((s) => s.id)).toEqual(ids);
    expect(body[0]).toMatchObject({ formId: 'contact', status: 'inbox', data: { n: 0 } });
    expect(body[60]).toMatchObject({ status: 'spam', data: { spam: 'yes' } });
  });

  it('should answer an empty array for a form without submissions', async () => {
    expect(await (await exportOf('json')).json()).toEqual([]);
  });
});

describe('GET /api/forms/:id/export?format=csv', () => {
  it('should answer a header row and every field of every submission', async () => {
    const first = await submit({ name: 'Alice', email: 'alice@example.com' });
    const second = await submit({ name: 'Bob', topics: ['a', 'b'], count: 3, agree: true });
    const res = await exportOf('csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="contact-submissions.csv"');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual(['id', 'createdAt', 'status', 'spamReasons', 'name', 'email', 'topics', 'count', 'agree']);
    expect(rows.slice(1)).toEqual([
      [first, new Date(Date.UTC(2026, 0, 1, 0, 0, 1)).toISOString(), 'inbox', '', 'Alice', 'alice@example.com', '', '', ''],
      [second, new Date(Date.UTC(2026, 0, 1, 0, 0, 2)).toISOString(), 'inbox', '', 'Bob', '', 'a, b', '3', 'true'],
    ]);
  });

  it('should be the format when none is named', async () => {
    await submit({ name: 'Alice' });
    const res = await t.api('/forms/contact/export');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(parseCsv(await res.text())[0]).toEqual(['id', 'createdAt', 'status', 'spamReasons', 'name']);
  });

  it('should quote commas, quotes and line breaks as RFC 4180 says', async () => {
    const values = ['Smith, John', 'say "hi"', 'two\nlines', '"', ',', 'plain'];
    await submit(Object.fromEntries(values.map((v, i) => [`f${i}`, v])));
    const text = await (await exportOf('csv')).text();
    expect(text).toContain(',"Smith, John","say ""hi""","two\nlines","""",",",plain\r\n');
    expect(parseCsv(text)[1]!.slice(4)).toEqual(values);
  });

  it.each([
    ['=', '=HYPERLINK("http://evil.test","click")'],
    ['+', '+1+cmd|" /C calc"!A0'],
    ['-', '-2+3'],
    ['@', '@SUM(A1:A2)'],
    ['a tab', '\t=1+1'],
    // Sent as CR LF, stored as LF.
    ['a line break', '\n=1+1'],
  ])('should put a leading apostrophe before a cell starting with %s', async (_, value) => {
    await submit({ message: value.replace(/^\n/, '\r\n') });
    expect(parseCsv(await (await exportOf('csv')).text())[1]![4]).toBe(`'${value}`);
  });

  it('should neutralise formulas in field names too', async () => {
    await submit({ '=cmd': 'x' });
    expect(parseCsv(await (await exportOf('csv')).text())[0]![4]).toBe(`'=cmd`);
  });

  it('should leave other cells as they are', async () => {
    await submit({ message: 'a=1', email: 'x@y.test', phone: '(555) 123' });
    expect(parseCsv(await (await exportOf('csv')).text())[1]!.slice(4)).toEqual(['a=1', 'x@y.test', '(555) 123']);
  });

  it('should neutralise and quote in one cell', () => {
    expect(csvCell('=1,"2"\n')).toBe(`"'=1,""2""\n"`);
  });

  // Intake turns every CR into LF, so only data stored some other way can start with one.
  it('should put a leading apostrophe before a cell starting with a CR, and quote it', () => {
    expect(csvCell('\r=1+1')).toBe(`"'\r=1+1"`);
  });

  it('should answer only the header for a form without submissions', async () => {
    expect(await (await exportOf('csv')).text()).toBe('id,createdAt,status,spamReasons\r\n');
  });
});

describe('GET /api/forms/:id/export?format=csv&excel=1', () => {
  const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());
  const BOM = [0xef, 0xbb, 0xbf];

  it('should put a UTF-8 byte-order mark before the same CSV, so Excel shows accents and Chinese as sent', async () => {
    await submit({ name: '張三', message: 'Grüße, déjà vu' });
    const [plain, excel] = await Promise.all([exportOf('csv'), exportOf('csv&excel=1')]);
    expect(excel.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(excel.headers.get('content-disposition')).toBe('attachment; filename="contact-submissions.csv"');
    const [plainBytes, excelBytes] = [await bytes(plain), await bytes(excel)];
    expect([...excelBytes.slice(0, 3)]).toEqual(BOM);
    expect(excelBytes.slice(3)).toEqual(plainBytes);
    expect(parseCsv(new TextDecoder().decode(excelBytes))[1]!.slice(4)).toEqual(['張三', 'Grüße, déjà vu']);
  });

  it('should start a plain CSV export with its first header, no mark', async () => {
    expect([...(await bytes(await exportOf('csv'))).slice(0, 3)]).toEqual([...new TextEncoder().encode('id,')]);
  });

  it.each(['json&excel=1', 'csv&excel=yes'])('should answer 422 to format=%s', async (query) => {
    const res = await exportOf(query);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ ok: false, error: 'validation', fields: { excel: [expect.any(String)] } });
  });
});

describe('GET /api/forms/:id/export of a form larger than a page', () => {
  /** The body as the reader receives it, chunk by chunk. */
  async function chunksOf(res: Response): Promise<string[]> {
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) chunks.push(decoder.decode(chunk, { stream: true }));
    return chunks;
  }

  // Three submissions of 0.9 MB (45 fields at the cap of an undeclared field): pages of at most
  // 2 MB of stored data hold two, then one.
  const bigFields = Array.from({ length: 45 }, (_, k) => `f${k}`);
  const large = (i: number) => ({ n: i, ...Object.fromEntries(bigFields.map((name) => [name, `${i}`.repeat(20_000)])) });

  it('should send the CSV a page at a time, its header naming a field first seen on the last page', async () => {
    const ids = [await submit(large(0)), await submit(large(1)), await submit({ ...large(2), late: 'yes' })];
    const chunks = await chunksOf(await exportOf('csv'));
    expect(chunks.length).toBeGreaterThan(2);
    const rows = parseCsv(chunks.join(''));
    expect(rows[0]).toEqual(['id', 'createdAt', 'status', 'spamReasons', 'n', ...bigFields, 'late']);
    expect(rows.slice(1).map((row) => [row[0], row[4], row.slice(5, -1).join('').length, row.at(-1)])).toEqual([
      [ids[0], '0', 900_000, ''],
      [ids[1], '1', 900_000, ''],
      [ids[2], '2', 900_000, 'yes'],
    ]);
  });

  it('should send the JSON array a page at a time, the same bytes as one JSON.stringify', async () => {
    for (let i = 0; i < 3; i++) await submit(large(i));
    const chunks = await chunksOf(await exportOf('json'));
    expect(chunks.length).toBeGreaterThan(2);
    const text = chunks.join('');
    const rows = JSON.parse(text) as { data: { n: number } }[];
    expect(rows.map((row) => row.data.n)).toEqual([0, 1, 2]);
    expect(text === JSON.stringify(rows)).toBe(true);
  });
});

describe('GET /api/forms/:id/export of a damaged row', () => {
  it('should cut the JSON body short when met midway, never end it as if complete, and log why; 500 when met before the first byte', async () => {
    // Three large submissions: a first page of two, then the third with a row whose stored JSON is damaged.
    for (let i = 0; i < 3; i++) await submit(Object.fromEntries(Array.from({ length: 45 }, (_, k) => [`f${k}`, 'x'.repeat(20_000)])));
    await t.database.client.execute(
      `INSERT INTO submissions (id, form_id, created_at, status, data, meta) VALUES ('7ZZZZZZZZZZZZZZZZZZZZZZZZZ', 'contact', 0, 'inbox', '{"damaged', '{}')`,
    );
    const json = await exportOf('json');
    expect(json.status).toBe(200);
    await expect(json.text()).rejects.toThrow();
    expect(t.errors).toEqual([expect.stringMatching(/^export failed midway \{"formId":"contact",/)]);
    // The CSV header's first pass reads every row before the first byte goes out.
    const csv = await exportOf('csv');
    expect(csv.status).toBe(500);
    expect(await csv.json()).toMatchObject({ ok: false, error: 'internal' });
  });
});

describe('GET /api/forms/:id/export errors', () => {
  it('should answer 404 JSON for an unknown form', async () => {
    for (const format of ['csv', 'json']) {
      const res = await exportOf(format, 'nope');
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ ok: false, error: 'not_found' });
    }
  });

  it('should answer 422 to an unknown format', async () => {
    const res = await exportOf('xlsx');
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ ok: false, error: 'validation', fields: { format: [expect.any(String)] } });
  });

  it('should need the token', async () => {
    expect((await t.app.request('/api/forms/contact/export?format=csv')).status).toBe(401);
  });
});

describe('spam reasons in exports', () => {
  it('should name each submission spam reasons in the CSV and JSON exports, empty for the inbox', async () => {
    await updateForm(t.deps.db, 'contact', { spam: { ...defaultSpamSettings(), maxLinks: 0 } }, t.clock.now());
    const spam = await submitTo(t, 'contact', { name: 'Bot', message: 'https://casino.example', _gotcha: 'x' });
    const person = await submitTo(t, 'contact', { name: 'Anna' });
    const rows = parseCsv(await (await t.api('/forms/contact/export?format=csv')).text());
    expect(rows.slice(1).map((row) => [row[0], row[2], row[3]])).toEqual([
      [spam, 'spam', 'honeypot links'],
      [person, 'inbox', ''],
    ]);
    const json = (await (await t.api('/forms/contact/export?format=json')).json()) as { id: string; spamReasons: string[] }[];
    expect(json.map((s) => [s.id, s.spamReasons])).toEqual([
      [spam, ['honeypot', 'links']],
      [person, []],
    ]);
  });
});
