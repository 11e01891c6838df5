import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { exportFieldNames, exportRows, exportScope, type ExportScope } from '../db/submission-export.ts';
import type { Submission } from '../db/schema.ts';
import type { Db, Log } from '../deps.ts';
import { displayValue } from '../mail/render.ts';
import { presentSubmission } from './present.ts';

/**
 * A cell a spreadsheet will not run: text starting with = + - @, tab or CR gets a leading
 * apostrophe (OWASP CSV injection), then RFC 4180 quoting. LF too: intake stores a CR the
 * visitor sent as LF, and a line break before a formula must not hide it either.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r\n]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvLine = (cells: string[]) => cells.map(csvCell).join(',') + '\r\n';

/** CSV: fixed columns first, then each field in the order first seen, which a first pass reads. */
async function* csvText(db: Db, scope: ExportScope): AsyncGenerator<string> {
  const fieldNames = await exportFieldNames(db, scope);
  yield csvLine(['id', 'createdAt', 'status', 'spamReasons', ...fieldNames]);
  for await (const rows of exportRows(db, scope)) {
    yield rows
      .map((row) =>
        csvLine([
          row.id,
          new Date(row.createdAt).toISOString(),
          row.status,
          (row.meta.spamReasons ?? []).join(' '),
          ...fieldNames.map((name) => (Object.hasOwn(row.data, name) ? displayValue(row.data[name]) : '')),
        ]),
      )
      .join('');
  }
}

/** What JSON.stringify(rows, null, indent) gives, an element at a time; indented, it ends with a line break as a text file does. */
async function* jsonText(db: Db, scope: ExportScope, indent: number | undefined): AsyncGenerator<string> {
  // JSON text has line breaks only between tokens: an element moves one level in by indenting each of its lines.
  const lineStart = indent ? '\n' + ' '.repeat(indent) : '';
  const element = (row: Submission) => {
    const text = JSON.stringify(presentSubmission(row), null, indent);
    return lineStart + (indent ? text.replaceAll('\n', lineStart) : text);
  };
  let count = 0;
  for await (const rows of exportRows(db, scope)) yield rows.map((row) => (count++ === 0 ? '[' : ',') + element(row)).join('');
  const end = indent ? '\n' : '';
  yield count === 0 ? `[]${end}` : `${end}]${end}`;
}

export const exportQuery = z
  .object({
    format: z.enum(['csv', 'json']).default('csv'),
    // Excel reads a CSV file without a byte-order mark in the system's legacy code page, which
    // garbles every accent and every Chinese character. Asked for, not the default: a script
    // reading the CSV would find the mark glued to its first header.
    excel: z.literal('1', { error: 'Use excel=1 for a CSV file that Excel opens as UTF-8' }).optional(),
  })
  .refine((query) => !(query.excel && query.format === 'json'), { path: ['excel'], message: 'Only the CSV export is made for Excel' });

type ExportQuery = z.infer<typeof exportQuery>;
type ExportFormat = ExportQuery['format'];

type ExportOptions = { excel?: boolean; indent?: number; log?: Log };

/**
 * A form's submissions as CSV or as a JSON array, the same from the API, the admin and the CLI
 * (`indent` for people reading a file). A page is read from the database only when the reader
 * wants more, so a slow reader holds one page, not the form. The first chunk (the CSV header,
 * after its first pass, or the first JSON page) is read before the stream is handed over: a
 * failure there can still be answered as an error, not as a body cut short.
 */
export async function exportStream(db: Db, formId: string, format: ExportFormat, { excel, indent, log }: ExportOptions = {}) {
  const scope = await exportScope(db, formId);
  const chunks = format === 'json' ? jsonText(db, scope, indent) : csvText(db, scope);
  const first = await chunks.next();
  let firstChunk: string | undefined = (excel ? '\uFEFF' : '') + (first.done ? '' : first.value);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = firstChunk === undefined ? await chunks.next() : { done: false, value: firstChunk };
          firstChunk = undefined;
          if (done) controller.close();
          else controller.enqueue(encoder.encode(value));
        } catch (error) {
          // The status and headers are gone: the reader only sees the body cut short.
          log?.error('export failed midway', { formId, error: String(error) });
          throw error;
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/** The export as a download. */
export async function exportResponse<E extends AppEnv>(c: Context<E>, formId: string, { format, excel }: ExportQuery) {
  const { db, log } = c.var.deps;
  const stream = await exportStream(db, formId, format, { excel: excel !== undefined, log });
  c.header('Content-Disposition', `attachment; filename="${formId}-submissions.${format}"`);
  c.header('Content-Type', format === 'json' ? 'application/json' : 'text/csv; charset=utf-8');
  return c.body(stream);
}
