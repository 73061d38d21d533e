/** Write a produced artifact (model.json + model.safetensors) atomically: all of it, or nothing. */
import { encodeSafetensors, type TensorInput } from '../artifact/safetensors.ts';
import { parseManifest } from '../artifact/schema.ts';
import { join } from 'node:path';
import { writeDirectoryAtomically } from '../util/atomic-dir.ts';

export async function writeArtifactAtomically(dir: string, manifest: Record<string, unknown>, tensors: TensorInput[]): Promise<void> {
  // The manifest passes the same schema the loader applies (names, sizes, formats) before anything is written.
  parseManifest(manifest, join(dir, 'model.json'));
  const tensorsName = String(manifest.tensors ?? 'model.safetensors');
  await writeDirectoryAtomically(dir, [
    { path: 'model.json', content: `${JSON.stringify(manifest, null, 2)}\n` },
    { path: tensorsName, content: encodeSafetensors(tensors) },
  ]);
}
