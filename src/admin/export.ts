import type { Context } from 'hono';
import { z } from 'zod';
import type { Submission } from '../db/schema.ts';
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

/** Every submission as CSV: fixed columns first, then each field in the order first seen. */
export function toCsv(rows: Submission[]): string {
  const fieldNames = [...new Set(rows.flatMap((row) => Object.keys(row.data)))];
  const header = ['id', 'createdAt', 'status', 'spamReasons', ...fieldNames];
  const lines = rows.map((row) => [
    row.id,
    new Date(row.createdAt).toISOString(),
    row.status,
    (row.meta.spamReasons ?? []).join(' '),
    ...fieldNames.map((name) => (Object.hasOwn(row.data, name) ? displayValue(row.data[name]) : '')),
  ]);
  return [header, ...lines].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
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

/** A form's submissions as CSV or as a JSON array: the API, the admin and the CLI export the same; `indent` for people reading a file. */
export const exportText = (rows: Submission[], format: ExportFormat, indent?: number) =>
  format === 'json'
    ? JSON.stringify(
        rows.map((row) => presentSubmission(row)),
        null,
        indent,
      )
    : toCsv(rows);

/** The export as a download. */
export function exportResponse(c: Context, formId: string, rows: Submission[], { format, excel }: ExportQuery) {
  c.header('Content-Disposition', `attachment; filename="${formId}-submissions.${format}"`);
  c.header('Content-Type', format === 'json' ? 'application/json' : 'text/csv; charset=utf-8');
  return c.body((excel ? '\uFEFF' : '') + exportText(rows, format));
}
