/**
 * The table load port's address map (hw.yaml table_storage: ram; docs/hw-config.md "Writable
 * tables"): every writable memory of every layer (its kind's `writable`, kinds/registry.ts) gets a
 * region of one address space, in layer order, each aligned to its own power-of-two size so that a
 * memory recognises its writes by comparing the high address bits with a constant.
 */
import type { Artifact } from '../artifact/types.ts';
import { LutnnError } from '../errors.ts';
import { artifactKindOf, layerKindOf } from '../kinds/registry.ts';
import { indexBits } from '../numeric/fixed.ts';
import type { DesignPlan, LayerPlan, LoadMapPlan, LoadRegion } from './types.ts';

/** One write through the table load port. */
export interface LoadWrite {
  address: number;
  data: bigint;
}

/** The layers with their regions set, and the design's map (null when nothing is writable). */
export function planLoadMap(layers: LayerPlan[]): { layers: LayerPlan[]; load: LoadMapPlan | null } {
  let next = 0;
  const regions: LoadMapPlan['regions'] = [];
  const planned = layers.map((layer) => {
    const mems = layerKindOf(layer).writable(layer);
    if (mems.length === 0) return layer;
    const own: LoadRegion[] = mems.map((m) => {
      const size = 2 ** m.addressWidth;
      const base = Math.ceil(next / size) * size;
      next = base + size;
      return { memory: m.memory, base, words: m.words, width: m.width, addressWidth: m.addressWidth };
    });
    regions.push(...own.map((r) => ({ ...r, layer: layer.name })));
    return { ...layer, load: own };
  });
  if (regions.length === 0) return { layers, load: null };
  return {
    layers: planned,
    load: { addressWidth: indexBits(next), dataWidth: Math.max(...regions.map((r) => r.width)), regions },
  };
}

/** Words the load port writes to fill every writable memory, one write each (the length of loadWrites). */
export function loadWordCount(map: LoadMapPlan): number {
  return map.regions.reduce((a, r) => a + r.words, 0);
}

/**
 * The design as it computes after another artifact's contents are written through its load port:
 * each layer's kind reloads what it can (`reload`, kinds/registry.ts) and refuses what the fixed
 * hardware cannot compute. The provenance becomes the loaded artifact's.
 */
export function planLoadedDesign(design: DesignPlan, artifact: Artifact, file: string): DesignPlan {
  if (!design.load) {
    throw new LutnnError('The design has no table load port.', { file, field: '--load', expected: 'a design generated with table_storage: ram (docs/hw-config.md)', found: 'table_storage: rom on every layer' });
  }
  const names = design.layers.map((l) => l.name);
  const loaded = artifact.layers.map((l) => l.name);
  if (names.join(',') !== loaded.join(',')) {
    throw new LutnnError('The model to load has other layers than the design.', { file, field: 'layers', expected: names.join(', '), found: loaded.join(', ') });
  }
  const layers = design.layers.map((plan, i) => {
    const kind = artifactKindOf(artifact.layers[i]);
    if (kind.planKind !== plan.kind) {
      throw new LutnnError(`Layer "${plan.name}" of the model to load is of another kind.`, { file, field: `layers[${i}].kind`, expected: plan.kind, found: artifact.layers[i].kind });
    }
    return kind.reload(plan, artifact.layers[i], file);
  });
  return { ...design, artifact: { name: artifact.name, sha256: artifact.sha256, manifest: file }, layers };
}

/** The writes that put `loaded`'s contents into `design`'s writable memories, region by region. */
export function loadWrites(design: DesignPlan, loaded: DesignPlan): LoadWrite[] {
  const writes: LoadWrite[] = [];
  loaded.layers.forEach((layer, i) => {
    const regions = design.layers[i].load ?? [];
    layerKindOf(layer).writable(layer).forEach((mem, r) => {
      const base = regions[r].base;
      mem.contents().forEach((data, w) => writes.push({ address: base + w, data }));
    });
  });
  return writes;
}
