/**
 * The closest-centroid-search encoder (`encoder: { kind: "ccs" }`, the default): argmin_k d(a, P_k)
 * per codebook with the layer's metric (docs/number-formats.md §2). Its pieces: plan.ts (and
 * pipeline.ts), golden.ts, emit.ts / emit-distance.ts / distance-tree.ts with
 * templates/encoders/ccs/, estimate.ts, reference.ts; tests in test/encoders/ccs/.
 */
import type { EncoderDefinition } from '../registry.ts';
import { ccsDistanceFiles } from './emit-distance.ts';
import { ccsModule, centroidRomWords } from './emit.ts';
import { estimateCcs } from './estimate.ts';
import { encodeCcs } from './golden.ts';
import { planCcs, reloadCcs } from './plan.ts';
import { ccsFloat, ccsReference } from './reference.ts';
import type { CcsPlan } from './types.ts';

export const ccsEncoder: EncoderDefinition<CcsPlan, { kind: 'ccs' }> = {
  plan: planCcs,
  encode: encodeCcs,
  emit: {
    shell: {
      title: 'closest-centroid search',
      instance: 'u_ccs',
      stepRom: { title: 'centroid ROM', port: 'centroids_i', wire: 'centroids_q', instance: 'u_centroid_rom' },
    },
    headerParams: (ccs) => ({ metric: ccs.metric }),
    files: (ctx) => [ccsModule(ctx), ...ccsDistanceFiles(ctx)],
    stepRom: {
      describe: (layer) => `Centroids of layer ${layer.name} per encode step (input-scale integers).`,
      words: centroidRomWords,
    },
  },
  estimate: estimateCcs,
  // A centroid's coordinate: inputs on a centroid are exact matches, and ties where centroids repeat.
  vectorInput: (layer, ccs, c, k, v) => ccs.centroids[(c * layer.dims.K + k) * layer.dims.V + v],
  reference: (layer) => ccsReference(layer),
  float: (layer) => ccsFloat(layer),
  describe: (ccs) => ccs.metric,
  writableStepRom: true,
  reload: reloadCcs,
};
