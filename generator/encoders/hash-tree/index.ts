/**
 * The hash-tree encoder (`encoder: { kind: "hash_tree", depth }`; MADDNESS, Blalock & Guttag,
 * ICML'21; halutmatmul): per codebook d levels of one comparison each, no distance arithmetic
 * (docs/number-formats.md §2a). Its pieces: plan.ts, golden.ts, emit.ts with
 * templates/encoders/hash_tree/, estimate.ts, reference.ts; tests in test/encoders/hash-tree/.
 */
import type { HashTreeArtifactEncoder } from '../../artifact/types.ts';
import type { EncoderDefinition } from '../registry.ts';
import { hashTreeModule, thresholdRomWords } from './emit.ts';
import { estimateHashTree } from './estimate.ts';
import { encodeHashTree } from './golden.ts';
import { planHashTree, reloadHashTree } from './plan.ts';
import { hashTreeFloat, hashTreeReference } from './reference.ts';
import type { HashTreePlan } from './types.ts';
import { hashTreeVectorInput } from './vectors.ts';

export const hashTreeEncoder: EncoderDefinition<HashTreePlan, HashTreeArtifactEncoder> = {
  plan: planHashTree,
  encode: encodeHashTree,
  emit: {
    shell: {
      title: 'hash tree',
      instance: 'u_hash_tree',
      stepRom: { title: 'threshold ROM', port: 'params_i', wire: 'params_q', instance: 'u_threshold_rom' },
    },
    headerParams: (ht) => ({ encoder: `hash_tree, depth ${ht.depth}` }),
    files: (ctx) => [hashTreeModule(ctx)],
    stepRom: {
      describe: (layer) => `Split columns and integer thresholds of layer ${layer.name} per encode step (docs/number-formats.md 2a).`,
      words: thresholdRomWords,
    },
  },
  estimate: estimateHashTree,
  vectorInput: hashTreeVectorInput,
  reference: (layer, enc) => hashTreeReference(layer, enc),
  float: (_layer, enc) => hashTreeFloat(enc),
  describe: (ht) => `hash tree depth ${ht.depth}`,
  writableStepRom: true,
  reload: reloadHashTree,
};
