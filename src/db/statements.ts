import { getTableColumns, is, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db, Row, WriteStatement } from './client.ts';

/** D1 binds at most 100 parameters per statement; lists in SQL are split below that. */
export const PARAMS_PER_STATEMENT = 90;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A drizzle query, as far as a template needs it. */
export type Buildable = { toSQL(): { sql: string; params: unknown[] } };

/** One bound value: a placeholder's value (encoded by its column, when it has one) or a constant. */
type Slot = { name: string; encode?: (value: unknown) => unknown } | { constant: unknown };
type Template = { sql: string; slots: Slot[] };

function compile(query: Buildable): Template {
  const { sql: text, params } = query.toSQL();
  const slots = params.map((param): Slot => {
    if (is(param, Placeholder)) return { name: param.name };
    if (!is(param, Param) || !is(param.value, Placeholder)) return { constant: param };
    const encoder = param.encoder;
    return { name: param.value.name, encode: (value) => encoder.mapToDriverValue(value) };
  });
  return { sql: text, slots };
}

function fill(template: Template, values: Record<string, unknown>): WriteStatement {
  const params = template.slots.map((slot) => {
    if ('constant' in slot) return slot.constant;
    const value = values[slot.name];
    // As drizzle's own fill: a forgotten value is an error, not a NULL.
    if (value === undefined) throw new Error(`No value for placeholder "${slot.name}"`);
    // null binds as NULL, as in drizzle's builder (a JSON column would otherwise store 'null').
    return value === null || !slot.encode ? value : slot.encode(value);
  });
  return { sql: template.sql, params };
}

/**
 * A statement that drizzle builds once, with placeholders, and that is then only filled,
 * each value encoded by its column as drizzle does. Building a statement with the query
 * builder cost ~40 µs, the largest part of a submission's CPU time, and drizzle's own
 * fillPlaceholders spent ~10 µs per row on type checks, so the slots are resolved once.
 * The SQL is the same on libSQL and D1 (both SQLite), so a template serves both.
 */
export function statementTemplate<V extends Record<string, unknown>>(build: (db: Db) => Buildable) {
  let template: Template | undefined;
  return (db: Db, values: V): WriteStatement => fill((template ??= compile(build(db))), values);
}

/** INSERTs for one table: one template per set of columns a row gives. */
export function insertStatements<T extends SQLiteTable>(table: T) {
  const templates = new Map<string, Template>();
  return (db: Db, row: T['$inferInsert']): WriteStatement => {
    const values = row as Record<string, unknown>;
    const columns = Object.keys(values).filter((column) => values[column] !== undefined);
    const key = columns.join();
    let template = templates.get(key);
    if (!template) {
      const placeholders = Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)]));
      templates.set(key, (template = compile(db.insert(table).values(placeholders as T['$inferInsert']))));
    }
    return fill(template, values);
  };
}

/** A query drizzle builds now, as a statement for `deps.commit`: its values come out encoded by their columns. */
export const statementOf = (query: Buildable): WriteStatement => query.toSQL();

/**
 * Turns the rows a statement returned (keyed by SQL column name, as every driver gives them)
 * into the objects drizzle's own `.returning()` makes: keyed by field, each value decoded by its column.
 */
export function rowDecoder<T extends SQLiteTable>(table: T): (row: Row) => T['$inferSelect'] {
  const columns = Object.entries(getTableColumns(table));
  return (row) =>
    Object.fromEntries(
      columns.map(([field, column]) => {
        const value = row[column.name];
        return [field, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
      }),
    ) as T['$inferSelect'];
}
