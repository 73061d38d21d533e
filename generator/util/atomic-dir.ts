/**
 * Write a whole output folder atomically: files go to a temporary sibling folder, which is renamed
 * into place only when every file is written. A failure leaves the previous output untouched and
 * no partial folder behind.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';

export interface OutputFile {
  path: string;
  content: string | Uint8Array;
}

export async function writeDirectoryAtomically(outDir: string, files: OutputFile[]): Promise<void> {
  const target = resolve(outDir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp);
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
    throw err;
  }
}
