/**
 * Layer kind `lut_linear` (docs/architecture.md, "The hardware of a lut_linear layer"): the
 * LUT-NN layer, an encoder sub-unit (encoders/registry.ts) in front of the index buffer, table
 * lookups and accumulators. Wires its pieces: plan/lut-linear.ts, golden/lut-linear.ts,
 * golden/float/lut-linear.ts, golden/reference/lut-linear.ts, emit/lut-linear/,
 * tb/vectors/lut-linear.ts, synth/estimate-lut-linear.ts.
 */
import type { LutLinearLayer } from '../artifact/types.ts';
import { lutLinearFiles } from '../emit/lut-linear/index.ts';
import { biasWords, stepMemoryTitle, stepRomWords, tableBankWords } from '../emit/lut-linear/memories.ts';
import { encoderOf } from '../encoders/registry.ts';
import { floatLutLinear } from '../golden/float/lut-linear.ts';
import { runLutLinear } from '../golden/lut-linear.ts';
import { lutLinearReference } from '../golden/reference/lut-linear.ts';
import { planLutLinear, reloadLutLinear, writableTables } from '../plan/lut-linear.ts';
import type { LutLinearPlan } from '../plan/types.ts';
import { beatFifoCycles, wrapperSchedule } from '../plan/stream.ts';
import { estimateLutLinear } from '../synth/estimate-lut-linear.ts';
import { generateVectors } from '../../tb/vectors/lut-linear.ts';
import type { ArtifactKindDefinition, LayerKindDefinition } from './registry.ts';

export const lutLinearKind: LayerKindDefinition<LutLinearPlan> = {
  io: (l) => ({ input: l.dims.D, output: l.dims.M }),
  golden: (l, inputs) => runLutLinear(l, inputs),
  emit: lutLinearFiles,
  vectors: (_design, l, count, seed) => generateVectors(l, count, seed),
  estimate: estimateLutLinear,
  memories: (l) => [
    { module: l.modules.tableRom, style: l.memory.table.style, writable: writableTables(l), words: l.memory.table.depth, bits: l.memory.table.width },
    ...(l.beatOutput ? [{ module: l.modules.outFifo, style: l.beatOutput.style, words: l.beatOutput.fifoWords, bits: l.beatOutput.elementsPerBeat * l.output.bits }] : []),
    // The step ROM and the index buffer only where they are block RAM (in logic they are no memory the report checks).
    ...(l.encoder.stepRom?.style === 'block' ? [{ module: l.encoder.stepRom.module, style: 'block' as const, writable: l.encoder.stepRom.writable, words: l.encoder.stepRom.depth, bits: l.encoder.stepRom.width }] : []),
    ...(l.memory.index.storage === 'block' ? [{ module: l.modules.indexBuffer, style: 'block' as const, words: l.memory.index.depth, bits: l.memory.index.width }] : []),
  ],
  writable: (l) => {
    const t = l.memory.table;
    if (!writableTables(l)) return [];
    const b = l.memory.bias;
    const s = l.encoder.stepRom;
    return [
      ...Array.from({ length: t.banks }, (_, j) => ({ memory: `table bank ${j}`, words: t.depth, width: t.width, addressWidth: t.addressWidth, contents: () => tableBankWords(l, j) })),
      { memory: 'bias', words: b.depth, width: b.width, addressWidth: b.addressWidth, contents: () => biasWords(l) },
      // The encoder's step ROM last (region P_c + 1), where the encoder lets a loaded model change it.
      ...(s?.writable ? [{ memory: stepMemoryTitle(l), words: s.depth, width: s.width, addressWidth: s.addressWidth, contents: () => stepRomWords(l) }] : []),
    ];
  },
  schedule: (l, arrivals, frames) => wrapperSchedule(l, arrivals, frames, beatFifoCycles(l.beatOutput, l.parallel.encodeSteps, l.parallel.outputGroups)),
  describe: (l) => {
    const { D, M, C, K, V } = l.dims;
    const t = l.timing;
    return (
      `${l.name}: D=${D} M=${M} C=${C} K=${K} V=${V}, ${encoderOf(l.encoder).describe(l.encoder)}, ${l.activation}; ` +
      `${l.parallel.codebooksPerCycle} codebooks/cycle, ${l.parallel.outputsPerCycle} outputs/cycle; ` +
      `latency ${t.latency}, II ${t.initiationInterval}; ${l.memory.table.banks} table bank(s) of ${l.memory.table.depth} x ${l.memory.table.width} bits (${l.memory.table.style})`
    );
  },
  notInArtifact: null,
};

export const lutLinearArtifactKind: ArtifactKindDefinition<LutLinearLayer, LutLinearPlan> = {
  planKind: 'lut_linear',
  // C·K·M entries are held several times over while planning.
  tableEntries: (l) => l.numCodebooks * l.numCentroids * l.outFeatures,
  plan: planLutLinear,
  reload: reloadLutLinear,
  float: floatLutLinear,
  reference: lutLinearReference,
};
