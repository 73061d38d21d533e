/**
 * Write a whole output folder atomically: files go to a temporary sibling folder, which is renamed
 * into place only when every file is written. A failure leaves the previous output untouched and
 * no partial folder behind.
 *
 * An existing folder is replaced only when lutnn wrote it (it holds the marker file, or the
 * plan.json of a design written before the marker existed) or it is empty: a mistyped `-o .`
 * must never delete a user's files.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LutnnError } from '../errors.ts';

export interface OutputFile {
  path: string;
  content: string | Uint8Array;
}

/** Marker file in every folder lutnn writes; its presence allows replacing the folder. */
export const OUTPUT_MARKER = '.lutnn-output';
const MARKER_TEXT = 'Written by lutnn-hdl. The whole folder is replaced when the command that wrote it runs again.\n';

async function checkReplaceable(target: string): Promise<void> {
  if (!(await stat(target)).isDirectory()) {
    throw new LutnnError('The output path exists and is not a folder.', { file: target, expected: 'a folder (or a path that does not exist yet)', found: 'a file' });
  }
  const entries = await readdir(target);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER) || entries.includes('plan.json')) return;
  throw new LutnnError('Refusing to replace a folder that lutnn did not write.', {
    file: target,
    expected: 'a new or empty folder, or one written earlier by lutnn (it holds .lutnn-output)',
    found: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}: ${entries.slice(0, 6).join(', ')}${entries.length > 6 ? ', …' : ''}`,
  });
}

/** A file-system error as the user's problem: which path, what the system said. */
function outputError(err: unknown, target: string, doing: string): LutnnError {
  if (err instanceof LutnnError) return err;
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EROFS: 'a read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'the path exists and is not a folder',
    ENAMETOOLONG: 'the path is too long',
  };
  return new LutnnError(`Cannot ${doing}.`, { file: target, expected: 'a folder this user can create and write', found: `${why[e.code ?? ''] ?? e.message} (${e.code ?? 'error'}${e.path ? `: ${e.path}` : ''})` });
}

export async function writeDirectoryAtomically(outDir: string, files: OutputFile[]): Promise<void> {
  const target = resolve(outDir);
  if (existsSync(target)) await checkReplaceable(target);
  const parent = dirname(target);
  try {
    await mkdir(parent, { recursive: true });
  } catch (err) {
    throw outputError(err, target, 'create the output folder');
  }
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp);
    await writeFile(join(tmp, OUTPUT_MARKER), MARKER_TEXT);
    for (const f of files) {
      const dest = join(tmp, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.content);
    }
    if (existsSync(target)) {
      const old = join(parent, `.${basename(target)}.old-${process.pid}-${Date.now()}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw outputError(err, target, 'write the output folder');
  }
}
