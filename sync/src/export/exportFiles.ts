import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine, type CellValue, type ColumnType } from '@m2m/analysis-core';
import { ParquetWriter } from 'hyparquet-writer';
import { EXPORT_COLUMNS } from './exportColumns.js';
import { createPrivateFile, handleWriter } from './privateFile.js';

export type ExportFormat = 'csv' | 'parquet';

export const EXPORT_FILE_NAMES: Record<ExportFormat, string> = { csv: 'analyses.csv', parquet: 'analyses.parquet' };

/** Rows per Parquet row group: the rows held in memory at once. */
const ROW_GROUP_ROWS = 10_000;

/**
 * One export file: rows go to a hidden partial file beside the final one,
 * which `commit` syncs to disk and renames into place, so the final name
 * only ever holds a whole export (a killed run leaves the partial file,
 * which the next run replaces). The partial file is created owner-only
 * (0600) and never through a symlink, so the renamed file is owner-only too.
 */
export interface ExportFile {
  readonly path: string;
  add(row: readonly CellValue[]): Promise<void>;
  commit(): Promise<void>;
  /** Removes the partial file (an interrupted run). */
  discard(): Promise<void>;
}

const partialPath = (dir: string, name: string): string => join(dir, `.${name}.partial`);

export async function openExportFile(dir: string, format: ExportFormat): Promise<ExportFile> {
  return format === 'csv' ? csvFile(dir) : parquetFile(dir);
}

/** CSV text gathered before it goes to the file. */
const CSV_CHUNK = 1_000_000;

async function csvFile(dir: string): Promise<ExportFile> {
  const path = join(dir, EXPORT_FILE_NAMES.csv);
  const partial = partialPath(dir, EXPORT_FILE_NAMES.csv);
  const handle = await createPrivateFile(partial);
  let pending = csvLine(EXPORT_COLUMNS.map((c) => c.name));
  let closed = false;
  const flush = async (): Promise<void> => {
    const text = pending;
    pending = '';
    await handle.appendFile(text, 'utf8');
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    path,
    async add(row) {
      pending += csvLine(row);
      if (pending.length >= CSV_CHUNK) await flush();
    },
    async commit() {
      await flush();
      await handle.sync();
      await close();
      await rename(partial, path);
    },
    async discard() {
      pending = '';
      await close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}

const PARQUET_TYPES = { string: 'STRING', double: 'DOUBLE', integer: 'INT32' } as const;

/** A value as its Parquet column takes it: INT32 holds whole numbers within ±2^31 only. */
function parquetValue(type: ColumnType, value: CellValue): CellValue {
  if (value === null || type !== 'integer') return value;
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? value : null;
}

async function parquetFile(dir: string): Promise<ExportFile> {
  const path = join(dir, EXPORT_FILE_NAMES.parquet);
  const partial = partialPath(dir, EXPORT_FILE_NAMES.parquet);
  const handle = await createPrivateFile(partial);
  const writer = new ParquetWriter({
    writer: handleWriter(handle),
    schema: [
      { name: 'root', num_children: EXPORT_COLUMNS.length },
      ...EXPORT_COLUMNS.map(({ name, type }) => ({
        name,
        repetition_type: 'OPTIONAL' as const,
        ...(type === 'string' ? { type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const } : { type: type === 'double' ? ('DOUBLE' as const) : ('INT32' as const) }),
      })),
    ],
    createdBy: 'm2m-sync export',
  });
  let columns: CellValue[][] = EXPORT_COLUMNS.map(() => []);
  let rows = 0;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  const flush = async (): Promise<void> => {
    if (rows === 0) return;
    await writer.write({
      columnData: EXPORT_COLUMNS.map(({ name, type }, i) => ({ name, data: columns[i]!, type: PARQUET_TYPES[type] })),
      rowGroupSize: rows,
    });
    columns = EXPORT_COLUMNS.map(() => []);
    rows = 0;
  };
  return {
    path,
    async add(row) {
      row.forEach((value, i) => columns[i]!.push(parquetValue(EXPORT_COLUMNS[i]!.type, value)));
      rows += 1;
      if (rows >= ROW_GROUP_ROWS) await flush();
    },
    async commit() {
      await flush();
      writer.finish();
      await handle.sync();
      await close();
      await rename(partial, path);
    },
    async discard() {
      columns = [];
      await close().catch(() => {});
      await rm(partial, { force: true });
    },
  };
}
