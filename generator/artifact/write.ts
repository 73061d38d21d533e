/**
 * Writes an artifact folder (model.json + safetensors). Used by tests and example generators to
 * build artifacts from code instead of committing binary fixtures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeSafetensors, type TensorInput } from './safetensors.ts';

/**
 * Writes `manifest` as `<dir>/model.json` (2-space JSON, trailing newline) and `tensors` to the
 * file named by `manifest.tensors`, resolved against `dir`. Returns the manifest path.
 *
 * The manifest is written as given, without validation, so tests can build broken artifacts.
 * For the same reason the tensors path is not confined to `dir` (the loader's rule); callers
 * testing an escaping path should point it at a location they own.
 */
export async function writeArtifact(dir: string, manifest: object, tensors: readonly TensorInput[]): Promise<string> {
  const tensorsName = (manifest as { tensors?: unknown }).tensors;
  if (typeof tensorsName !== 'string' || tensorsName === '') {
    throw new Error('writeArtifact: manifest.tensors must be a non-empty string naming the safetensors file');
  }
  await mkdir(dir, { recursive: true });
  const manifestPath = path.join(dir, 'model.json');
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  await writeSafetensors(path.resolve(dir, tensorsName), tensors);
  return manifestPath;
}
