/**
 * Read-only access to a validator's history for `validator audit sql`: the file is opened
 * read-only, and any statement that would write is refused before it runs, so an audit query can
 * never change history.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { proctorError } from '../errors.js';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** Runs one SQL statement read-only and returns its columns and rows. */
export function auditQuery(path: string, sql: string, params: unknown[] = []): QueryResult {
  if (!existsSync(path)) throw proctorError('PROCTOR_ERR_AUDIT_NO_DB', { path });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw proctorError('PROCTOR_ERR_STORE_OPEN', { path, detail: (err as Error).message }, err);
  }
  try {
    db.pragma('query_only = ON');
    let statement: Database.Statement;
    try {
      statement = db.prepare(sql);
    } catch (err) {
      throw proctorError('PROCTOR_ERR_AUDIT_SQL', { detail: (err as Error).message }, err);
    }
    if (!statement.readonly || !statement.reader) throw proctorError('PROCTOR_ERR_AUDIT_WRITE_REFUSED', { sql: sql.trim() });
    try {
      const rows = statement.raw(true).all(...params) as unknown[][];
      return { columns: statement.columns().map((c) => c.name), rows };
    } catch (err) {
      const message = (err as Error).message;
      if (/readonly|read-only|query_only/i.test(message)) throw proctorError('PROCTOR_ERR_AUDIT_WRITE_REFUSED', { sql: sql.trim() }, err);
      throw proctorError('PROCTOR_ERR_AUDIT_SQL', { detail: message }, err);
    }
  } finally {
    db.close();
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Buffer) return `x'${value.toString('hex')}'`;
  return String(value);
}

/** An aligned text table for a terminal. */
export function formatTable(result: QueryResult): string {
  const rows = result.rows.map((r) => r.map(cell));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(result.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

/** RFC 4180 CSV. */
export function formatCsv(result: QueryResult): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [result.columns.map(quote).join(','), ...result.rows.map((r) => r.map((v) => quote(cell(v))).join(','))].join('\n');
}

/** One JSON object per row. */
export function formatJson(result: QueryResult): string {
  return JSON.stringify(
    result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, typeof r[i] === 'bigint' ? String(r[i]) : r[i]]))),
    null,
    2,
  );
}
