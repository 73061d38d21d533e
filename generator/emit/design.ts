/** All files of a generated design: RTL modules, memory files, plan.json and a file list. */
import type { DesignPlan } from '../plan/types.ts';
import { serializePlan } from '../plan/serialize.ts';
import { layerKindOf } from '../kinds/registry.ts';
import type { GeneratedFile } from './common/context.ts';
import { modelTopModule } from './model-top.ts';
import { axisTopFile, streamLayerFiles } from './stream/index.ts';

export type { GeneratedFile };

export const PLAN_FILE = 'plan.json';
export const FILE_LIST = 'files.f';

/** Every file of the design, in a fixed order (so output is byte-identical run to run). */
export function emitDesign(design: DesignPlan): GeneratedFile[] {
  const files = design.layers.flatMap((layer) => [...layerKindOf(layer).emit(design, layer), ...streamLayerFiles(design, layer)]);
  if (design.modelTop) files.push(modelTopModule(design));
  if (design.axiStream) files.push(axisTopFile(design));
  const verilog = files.filter((f) => f.path.endsWith('.v')).map((f) => f.path);
  // Top last: the order simulators and synthesis tools expect in a file list.
  const ordered = [...verilog.filter((p) => p !== `${design.top}.v`), `${design.top}.v`];
  files.push({ path: FILE_LIST, content: `${ordered.join('\n')}\n` });
  files.push({ path: PLAN_FILE, content: serializePlan(design) });
  return files;
}
