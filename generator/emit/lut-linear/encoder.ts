/**
 * Emitter of the encoder shell (templates/encoder.v.hbs): input capture, issue of P_c sub-vectors
 * per step over E steps, the step ROM when the encoder has one, and the encoder unit itself
 * (encoders/<kind>/emit.ts), instantiated with the seam's fixed port list.
 */
import { encoderOf } from '../../encoders/registry.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { baseContext, counterFields, type GeneratedFile } from '../common/context.ts';
import { bankedPorts } from '../common/banked-input.ts';
import { renderTemplate } from '../render.ts';
import { range, slice, zeroExtend } from '../verilog.ts';
import { loadPortFields, regionWrite } from '../common/load-port.ts';
import { encoderRegions, layerParams, registeredReady } from './common.ts';

/** Width of the port-name column in the unit instance (the template aligns its fixed ports to it). */
const PORT_COLUMN = 11;

export function encoderModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const { D, V } = plan.dims;
  const { codebooksPerCycle: Pc, encodeSteps: E } = plan.parallel;
  const B = plan.input.bits;
  const inBits = D * B;
  const groupBits = Pc * V * B;
  const vecBits = E * groupBits;
  const enc = plan.encoder;
  const names = encoderOf(enc).emit.shell;
  const rom = enc.stepRom;
  // The step RAM's load region (table_storage: ram), when the step ROM is writable.
  const loadRegions = encoderRegions(plan);
  const ctx = {
    ...baseContext(design, plan.modules.encoder, `encoder (input capture, issue, ${names.title})`, {
      ...layerParams(plan),
      'encode steps': E,
    }),
    unitTitle: names.title,
    codebooksPerCycle: Pc,
    steps: E,
    multiStep: E > 1,
    registeredReady: registeredReady(plan),
    ...counterFields('step', E),
    inRange: range(inBits),
    banked: bankedPorts(plan),
    idxRange: range(Pc * enc.indexWidth),
    vecRange: range(vecBits),
    groupMsb: groupBits - 1,
    captureExpr: zeroExtend('in_data_i', inBits, vecBits),
    shiftExpr: E > 1 ? `{${groupBits}'d0, ${slice('vec_q', groupBits, vecBits - groupBits)}}` : 'vec_q',
    stepRom: rom
      ? {
          title: names.stepRom.title,
          module: rom.module,
          instance: names.stepRom.instance,
          file: rom.file,
          addrExpr: rom.address === 'step' ? 'step_q' : 'step_d',
          addressedByStep: rom.address === 'step',
          // Region P_c + 1 of the layer's load map: after the table banks and the bias (kinds/lut-linear.ts).
          write: design.load && loadRegions ? regionWrite(design.load, loadRegions[0]) : false,
          range: range(rom.width),
          wire: names.stepRom.wire,
          port: names.stepRom.port.padEnd(PORT_COLUMN),
        }
      : false,
    ...loadPortFields(design.load, loadRegions),
    unitModule: enc.module,
    unitInstance: names.instance,
  };
  return { path: `${plan.modules.encoder}.v`, content: renderTemplate('encoder.v.hbs', ctx) };
}
