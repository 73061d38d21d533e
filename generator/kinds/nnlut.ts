/**
 * Layer kind `nnlut` (docs/architecture.md, "The hardware of an nnlut unit"): an elementwise
 * NN-LUT piecewise-linear unit (also `requant` and `relu` steps, loaded as nnlut). Wires its
 * pieces: plan/nnlut.ts, golden/nnlut.ts, golden/float/nnlut.ts, golden/reference/nnlut.ts,
 * emit/nnlut/, tb/vectors/nnlut.ts, synth/estimate-nnlut.ts.
 */
import type { NnlutLayer } from '../artifact/types.ts';
import { nnlutFiles } from '../emit/nnlut/index.ts';
import { floatNnlut } from '../golden/float/nnlut.ts';
import { runNnlut } from '../golden/nnlut.ts';
import { nnlutReference } from '../golden/reference/nnlut.ts';
import { planNnlut } from '../plan/nnlut.ts';
import type { NnlutPlan } from '../plan/types.ts';
import { wrapperSchedule } from '../plan/stream.ts';
import { estimateNnlut } from '../synth/estimate-nnlut.ts';
import { generateNnlutVectors } from '../../tb/vectors/nnlut.ts';
import type { ArtifactKindDefinition, LayerKindDefinition } from './registry.ts';

export const nnlutKind: LayerKindDefinition<NnlutPlan> = {
  io: (l) => ({ input: l.dims.elements, output: l.dims.elements }),
  golden: runNnlut,
  emit: nnlutFiles,
  vectors: (_design, l, count, seed) => generateNnlutVectors(l, count, seed),
  estimate: estimateNnlut,
  // Slopes, intercepts and breakpoints are constants: no memories.
  memories: () => [],
  writable: () => [],
  // Whole vectors through its stream wrapper's serializer: output beats back to back.
  schedule: (l, arrivals, frames) => wrapperSchedule(l, arrivals, frames, null),
  describe: (l) => {
    const t = l.timing;
    return (
      `${l.name}: nnlut ${l.function ?? 'table'}, ${l.dims.elements} elements, ${l.dims.segments} segments` +
      `${l.rangeReduction === 'none' ? '' : `, ${l.rangeReduction} range reduction`}; INT${l.input.bits} -> INT${l.output.bits}; ` +
      `${l.parallel.lanes} lanes, ${l.pipeline.stages} pipeline stages; latency ${t.latency}, II ${t.initiationInterval}`
    );
  },
  notInArtifact: null,
};

export const nnlutArtifactKind: ArtifactKindDefinition<NnlutLayer, NnlutPlan> = {
  planKind: 'nnlut',
  // Its coefficients are constants: nothing to load.
  reload: (plan) => plan,
  // At most NNLUT_MAX_SEGMENTS coefficients: nothing the size limit needs to count.
  tableEntries: () => 0,
  plan: planNnlut,
  float: floatNnlut,
  reference: nnlutReference,
};
