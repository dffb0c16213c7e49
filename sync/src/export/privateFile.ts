import { constants, writeSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { ByteWriter, type Writer } from 'hyparquet-writer';

/**
 * Creates `path` afresh, readable and writable by its owner only (0600,
 * whatever the umask). Whatever is at the path is removed first, a symlink
 * itself rather than its target, and the file is created exclusively without
 * following links, so a link planted there never redirects the export.
 */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  await rm(path, { force: true });
  const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  await handle.chmod(0o600);
  return handle;
}

/** Bytes buffered before they go to the file. */
const CHUNK = 1_000_000;

/**
 * A Parquet writer over an open file: hyparquet-writer's `fileWriter` takes
 * a file name, creates it with the default mode and reopens it by name for
 * every chunk; this one writes through the handle it was given.
 */
export function handleWriter(handle: FileHandle): Writer {
  const writer = new ByteWriter();
  const flush = (): void => {
    let done = 0;
    while (done < writer.index) done += writeSync(handle.fd, new Uint8Array(writer.buffer, done, writer.index - done));
    writer.index = 0;
  };
  const grow = writer.ensure.bind(writer);
  writer.ensure = (size: number): void => {
    if (writer.index > CHUNK) flush();
    grow(size);
  };
  writer.finish = flush;
  writer.getBuffer = writer.getBytes = () => {
    throw new Error('the bytes are in the file');
  };
  return writer;
}
