import { is, Param, Placeholder, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db } from '../deps.ts';

/** A write ready to run anywhere: SQL text and its bound values. */
export type WriteStatement = { sql: string; params: unknown[] };

/** One bound value of a template: a column's value, encoded by the column, or a constant (a default). */
type Slot = { column: string; encode: (value: unknown) => unknown } | { constant: unknown };

/**
 * INSERTs for one table, built by drizzle once per set of columns (with placeholders) and
 * then only filled, each value encoded by its column as drizzle does. Building a statement
 * with the query builder cost ~40 µs, the largest part of a submission's CPU time; drizzle's
 * own fillPlaceholders still spent ~10 µs per row on type checks, so the slots are resolved
 * once here. The SQL is the same on libSQL and D1 (both SQLite), so templates are shared.
 */
export function insertStatements<T extends SQLiteTable>(table: T) {
  const templates = new Map<string, { sql: string; slots: Slot[] }>();
  const compile = (db: Db, columns: string[]) => {
    const placeholders = Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)]));
    const query = db.insert(table).values(placeholders as T['$inferInsert']).toSQL();
    const slots = query.params.map((param): Slot => {
      if (!is(param, Param) || !is(param.value, Placeholder)) return { constant: param };
      const encoder = param.encoder;
      return { column: param.value.name, encode: (value) => encoder.mapToDriverValue(value) };
    });
    return { sql: query.sql, slots };
  };
  return (db: Db, row: T['$inferInsert']): WriteStatement => {
    const values = row as Record<string, unknown>;
    const columns = Object.keys(values).filter((column) => values[column] !== undefined);
    const key = columns.join();
    let template = templates.get(key);
    if (!template) templates.set(key, (template = compile(db, columns)));
    return {
      sql: template.sql,
      // null binds as NULL, as in drizzle's builder (a JSON column would otherwise store 'null').
      params: template.slots.map((slot) => ('constant' in slot ? slot.constant : values[slot.column] === null ? null : slot.encode(values[slot.column]))),
    };
  };
}
