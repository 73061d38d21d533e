/** Write a produced artifact (model.json + model.safetensors) atomically: all of it, or nothing. */
import { encodeSafetensors, type TensorInput } from '../artifact/safetensors.ts';
import { parseManifest } from '../artifact/schema.ts';
import { join } from 'node:path';
import { writeDirectoryAtomically } from '../util/atomic-dir.ts';
import { LutnnError } from '../errors.ts';

export async function writeArtifactAtomically(dir: string, manifest: Record<string, unknown>, tensors: TensorInput[]): Promise<void> {
  // The manifest passes the same schema the loader applies (names, sizes, formats) before anything
  // is written. Inputs are validated where they are read, so a failure here names what the
  // produced manifest got wrong, and says that nothing was written.
  try {
    parseManifest(manifest, join(dir, 'model.json'));
  } catch (err) {
    if (!(err instanceof LutnnError)) throw err;
    const loc = err.location;
    throw new LutnnError('The artifact lutnn would write is not valid; nothing was written.', { ...loc, file: `${loc.file ?? join(dir, 'model.json')} (not written)` });
  }
  const tensorsName = String(manifest.tensors ?? 'model.safetensors');
  await writeDirectoryAtomically(dir, [
    { path: 'model.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
    { path: tensorsName, content: encodeSafetensors(tensors) },
  ]);
}
