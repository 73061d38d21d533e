/**
 * Layer kind `mac_linear` (docs/architecture.md, "The MAC-array baseline"): the dense INT8
 * multiply-accumulate array `lutnn compare` plans from a lut_linear layer (plan/mac-linear.ts;
 * not an artifact kind). Wires its pieces: golden/mac-linear.ts, emit/mac/, tb/vectors/uniform.ts,
 * synth/estimate-mac-linear.ts.
 */
import { macLinearFiles } from '../emit/mac/index.ts';
import { runMacLinear } from '../golden/mac-linear.ts';
import type { MacLinearPlan } from '../plan/types.ts';
import { beatFifoCycles, wrapperSchedule } from '../plan/stream.ts';
import { estimateMacLinear } from '../synth/estimate-mac-linear.ts';
import { generateUniformVectors } from '../../tb/vectors/uniform.ts';
import type { LayerKindDefinition } from './registry.ts';

export const macLinearKind: LayerKindDefinition<MacLinearPlan> = {
  io: (l) => ({ input: l.dims.D, output: l.dims.M }),
  golden: (l, inputs) => runMacLinear(l, inputs),
  emit: macLinearFiles,
  vectors: (design, _l, count, seed) => generateUniformVectors(design, count, seed),
  estimate: estimateMacLinear,
  memories: (l) => [
    { module: l.modules.weightRom, style: l.memory.weights.style },
    ...(l.beatOutput ? [{ module: l.modules.outFifo, style: l.beatOutput.style, words: l.beatOutput.fifoWords, bits: l.beatOutput.elementsPerBeat * l.output.bits }] : []),
  ],
  writable: () => [],
  schedule: (l, arrivals, frames) => wrapperSchedule(l, arrivals, frames, beatFifoCycles(l.beatOutput, l.parallel.inputSteps, l.parallel.outputGroups)),
  describe: (l) => {
    const p = l.parallel;
    const t = l.timing;
    return (
      `${l.name}: MAC baseline D=${l.dims.D} M=${l.dims.M}, INT${l.weights.bits} weights (${l.weights.source}); ` +
      `${p.inputsPerCycle} x ${p.outputsPerCycle} multipliers; latency ${t.latency}, II ${t.initiationInterval}`
    );
  },
  notInArtifact: 'the MAC baseline is not an artifact layer',
};
