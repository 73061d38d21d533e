/** Reading a user's input file whole: a failure is a LutnnError naming the file and what the system said. */
import { readFile } from 'node:fs/promises';
import { LutnnError } from '../errors.ts';

/**
 * The bytes of `file`. `what` names it in the message ("ONNX model", "Artifact manifest"),
 * `expected` says what it should be ("a readable .onnx file").
 */
export async function readInputFile(file: string, what: string, expected: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const found =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'a directory'
      : code === 'EACCES' || code === 'EPERM' ? 'a file this user may not read'
      : (err as Error).message;
    const What = what[0].toUpperCase() + what.slice(1);
    throw new LutnnError(code === 'ENOENT' ? `${What} not found` : `${What} cannot be read`, { file, expected, found });
  }
}

/** The text of `file` as UTF-8. */
export async function readInputText(file: string, what: string, expected: string): Promise<string> {
  return (await readInputFile(file, what, expected)).toString('utf8');
}
