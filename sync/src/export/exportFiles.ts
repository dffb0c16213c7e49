import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { csvLine, type CellValue, type ColumnType } from '@m2m/analysis-core';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { EXPORT_COLUMNS } from './exportColumns.js';

export type ExportFormat = 'csv' | 'parquet';

export const EXPORT_FILE_NAMES: Record<ExportFormat, string> = { csv: 'analyses.csv', parquet: 'analyses.parquet' };

/** Rows per Parquet row group: the rows held in memory at once. */
const ROW_GROUP_ROWS = 10_000;

/**
 * One export file: rows go to a hidden partial file beside the final one,
 * which `commit` syncs to disk and renames into place, so the final name
 * only ever holds a whole export (a killed run leaves the partial file,
 * which the next run overwrites).
 */
export interface ExportFile {
  readonly path: string;
  add(row: readonly CellValue[]): Promise<void>;
  commit(): Promise<void>;
  /** Removes the partial file (an interrupted run). */
  discard(): Promise<void>;
}

const partialPath = (dir: string, name: string): string => join(dir, `.${name}.partial`);

async function syncToDisk(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function openExportFile(dir: string, format: ExportFormat): ExportFile {
  return format === 'csv' ? csvFile(dir) : parquetFile(dir);
}

function csvFile(dir: string): ExportFile {
  const path = join(dir, EXPORT_FILE_NAMES.csv);
  const partial = partialPath(dir, EXPORT_FILE_NAMES.csv);
  const stream: WriteStream = createWriteStream(partial, { flags: 'w', mode: 0o600 });
  let failure: Error | undefined;
  stream.on('error', (err) => (failure = err));
  const write = async (text: string): Promise<void> => {
    if (failure) throw failure;
    if (!stream.write(text)) await once(stream, 'drain');
  };
  const header = write(csvLine(EXPORT_COLUMNS.map((c) => c.name)));
  const closed = async (): Promise<void> => {
    if (!stream.closed) {
      stream.end();
      await once(stream, 'close');
    }
    if (failure) throw failure;
  };
  return {
    path,
    async add(row) {
      await header;
      await write(csvLine(row));
    },
    async commit() {
      await header;
      await closed();
      await syncToDisk(partial);
      await rename(partial, path);
    },
    async discard() {
      await closed().catch(() => {});
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

function parquetFile(dir: string): ExportFile {
  const path = join(dir, EXPORT_FILE_NAMES.parquet);
  const partial = partialPath(dir, EXPORT_FILE_NAMES.parquet);
  const writer = new ParquetWriter({
    writer: fileWriter(partial),
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
  let finished = false;
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
      finished = true;
      await syncToDisk(partial);
      await rename(partial, path);
    },
    async discard() {
      if (!finished) columns = [];
      await rm(partial, { force: true });
    },
  };
}
