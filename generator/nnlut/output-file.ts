/**
 * Output files of `lutnn fit-nnlut` (the table) and `lutnn report-nnlut` (the SVG plot): never a
 * folder, never silently over a file lutnn did not write, and written atomically (a temporary file
 * in the same folder, then rename) so a crash or a refused write leaves the old file as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LutnnError } from '../errors.ts';

export interface OutputTarget {
  path: string;
  /** The option that named the path, for messages (`-o/--out`, `--svg`). */
  flag: string;
  /** What is written, in words ("NN-LUT table file", "SVG plot"). */
  what: string;
  /** An example file name, for the message about a folder. */
  example: string;
  /** What kind of existing file may be replaced, in words. */
  replaceable: string;
  /** Why existing content is not something lutnn may replace, or null when it may. */
  foreign(content: string): string | null;
  /** Replace any regular file. */
  force: boolean;
}

/** Bytes read of an existing file to judge whether lutnn wrote it (a larger file is judged on its start). */
const INSPECT_BYTES = 16 * 1024 * 1024;

async function head(path: string, bytes: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Refuses a folder, a non-regular file, and (unless `force`) an existing file lutnn did not write. */
export async function checkOutputTarget(t: OutputTarget): Promise<void> {
  let st;
  try {
    st = await stat(t.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // a new file (its folder is created when written)
    if (code === 'ENOTDIR') throw new LutnnError(`The ${t.what} path runs through a file.`, { file: t.path, field: t.flag, expected: 'a path whose folders are folders', found: 'a file where a folder should be (ENOTDIR)' });
    throw new LutnnError(`Cannot inspect the ${t.what} path.`, { file: t.path, field: t.flag, expected: 'a path lutnn can write', found: code ?? String(err) });
  }
  if (st.isDirectory()) {
    throw new LutnnError(`${t.flag} names a folder, not a file.`, {
      file: t.path,
      field: t.flag,
      expected: `the path of the ${t.what} to write, e.g. ${join(t.path, t.example)}`,
      found: 'an existing folder',
    });
  }
  if (!st.isFile()) throw new LutnnError(`${t.flag} names something that is not a regular file.`, { file: t.path, field: t.flag, expected: `a new path or a regular file (${t.replaceable})`, found: 'a special file (device, pipe or socket)' });
  if (t.force) return;
  let reason: string | null;
  try {
    reason = t.foreign(await head(t.path, Math.min(st.size, INSPECT_BYTES)));
  } catch (err) {
    reason = `a file lutnn cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (reason !== null) {
    throw new LutnnError(`Refusing to overwrite a file lutnn did not write (nothing was written).`, {
      file: t.path,
      field: t.flag,
      expected: `a new path, ${t.replaceable}, or --force to replace it anyway`,
      found: reason,
    });
  }
}

/** Checks the target, then writes `content` to a temporary file beside it and renames it into place. */
export async function writeOutputAtomically(t: OutputTarget, content: string): Promise<void> {
  await checkOutputTarget(t);
  const dir = dirname(t.path);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new LutnnError(`Cannot create the folder of the ${t.what}.`, { file: t.path, field: t.flag, expected: 'a folder lutnn can create', found: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
  const tmp = join(dir, `.${basename(t.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await rename(tmp, t.path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    throw new LutnnError(`Cannot write the ${t.what}.`, { file: t.path, field: t.flag, expected: 'a writable path', found: code === 'EISDIR' ? 'a folder (created meanwhile)' : (code ?? String(err)) });
  }
}
