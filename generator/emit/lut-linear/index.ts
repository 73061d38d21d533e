/** Every file of a lut_linear layer, in a fixed order (the encoder's unit files right after its shell). */
import { encoderOf } from '../../encoders/registry.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import type { GeneratedFile } from '../common/context.ts';
import { accumulatorModule, layerTopModule } from './accumulator.ts';
import { layerParams } from './common.ts';
import { encoderModule } from './encoder.ts';
import { hasBiasMemory } from '../../plan/lut-linear.ts';
import { biasFile, romModules, stepRomFile, tableBankFiles } from './memories.ts';
import { indexBufferModule, outFifoModules, requantModule } from './small-units.ts';

export function lutLinearFiles(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const files = [
    layerTopModule(design, plan),
    encoderModule(design, plan),
    ...encoderOf(plan.encoder).emit.files({ design, layer: plan, encoder: plan.encoder, params: layerParams(plan) }),
    indexBufferModule(design, plan),
    accumulatorModule(design, plan),
    requantModule(design, plan),
    ...outFifoModules(design, plan),
    ...romModules(design, plan),
    ...tableBankFiles(design, plan),
  ];
  if (hasBiasMemory(plan)) files.push(biasFile(design, plan));
  const stepRom = stepRomFile(design, plan);
  if (stepRom) files.push(stepRom);
  return files;
}
