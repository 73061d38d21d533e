/** All files of a generated design: RTL modules, memory files, plan.json and a file list. */
import type { DesignPlan, LutLinearPlan } from '../plan/types.ts';
import { serializePlan } from '../plan/serialize.ts';
import { accumulatorModule, layerTopModule } from './lut-linear/accumulator.ts';
import type { GeneratedFile } from './lut-linear/common.ts';
import { ccsDistanceFiles } from './lut-linear/ccs-distance.ts';
import { ccsModule, encoderModule } from './lut-linear/encoder.ts';
import { biasFile, centroidFile, romModules, tableBankFiles } from './lut-linear/memories.ts';
import { indexBufferModule, outFifoModules, requantModule } from './lut-linear/small-units.ts';
import { modelTopModule } from './model-top.ts';
import { nnlutFiles } from './nnlut/index.ts';
import { macLinearFiles } from './mac/index.ts';

export type { GeneratedFile };

export const PLAN_FILE = 'plan.json';
export const FILE_LIST = 'files.f';

function lutLinearFiles(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const files = [
    layerTopModule(design, plan),
    encoderModule(design, plan),
    ccsModule(design, plan),
    ...ccsDistanceFiles(design, plan),
    indexBufferModule(design, plan),
    accumulatorModule(design, plan),
    requantModule(design, plan),
    ...outFifoModules(design, plan),
    ...romModules(design, plan),
    ...tableBankFiles(design, plan),
  ];
  if (plan.parallel.outputGroups > 1) files.push(biasFile(design, plan));
  const centroids = centroidFile(design, plan);
  if (centroids) files.push(centroids);
  return files;
}

/** Every file of the design, in a fixed order (so output is byte-identical run to run). */
export function emitDesign(design: DesignPlan): GeneratedFile[] {
  const files = design.layers.flatMap((layer) =>
    layer.kind === 'nnlut' ? nnlutFiles(design, layer) : layer.kind === 'mac_linear' ? macLinearFiles(design, layer) : lutLinearFiles(design, layer),
  );
  if (design.modelTop) files.push(modelTopModule(design));
  const verilog = files.filter((f) => f.path.endsWith('.v')).map((f) => f.path);
  // Top last: the order simulators and synthesis tools expect in a file list.
  const ordered = [...verilog.filter((p) => p !== `${design.top}.v`), `${design.top}.v`];
  files.push({ path: FILE_LIST, content: `${ordered.join('\n')}\n` });
  files.push({ path: PLAN_FILE, content: serializePlan(design) });
  return files;
}
