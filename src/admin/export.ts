import type { Submission } from '../db/schema.ts';
import { displayValue } from '../mail/render.ts';

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
  const header = ['id', 'createdAt', 'status', ...fieldNames];
  const lines = rows.map((row) => [
    row.id,
    new Date(row.createdAt).toISOString(),
    row.status,
    ...fieldNames.map((name) => (Object.hasOwn(row.data, name) ? displayValue(row.data[name]) : '')),
  ]);
  return [header, ...lines].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
