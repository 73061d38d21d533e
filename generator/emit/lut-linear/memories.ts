/** Memory files ($readmemh) and ROM modules of a lut_linear layer: table banks, bias, the encoder's step ROM. */
import { encoderOf } from '../../encoders/registry.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import type { GeneratedFile } from '../common/context.ts';
import { memFile, romModule, romWords, type RomSpec } from '../common/memory.ts';
import { headerLines } from '../header.ts';
import { HexWordWriter, packFieldsHex, packHex } from '../verilog.ts';
import { layerParams } from './common.ts';

/**
 * Table bank j: word (g·E + e)·K + k holds T[e·P_c + j][k][g·P_m + l] in lane l (zero past C or M).
 * Banks can hold millions of entries (a BERT FFN layer has 9.4 M), so words are written straight
 * into a byte buffer instead of through per-word strings.
 */
export function tableBankFiles(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const { C, K, M } = plan.dims;
  const { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E, outputGroups: G } = plan.parallel;
  const mem = plan.memory.table;
  const t = plan.table.values;
  const writer = new HexWordWriter(plan.table.bits, Pm);
  const files: GeneratedFile[] = [];
  for (let j = 0; j < Pc; j++) {
    const header = `${headerLines(design, `Table bank ${j} of layer ${plan.name}: ${mem.depth} words of ${Pm} x INT${plan.table.bits}.`, '//')}\n`;
    const words = romWords(mem.depth);
    const body = Buffer.alloc(words * writer.lineBytes, 0x30); // '0' everywhere: padding words are zero
    for (let g = 0; g < G; g++) {
      const lanes = Math.min(Pm, M - g * Pm);
      for (let e = 0; e < E; e++) {
        const c = e * Pc + j;
        for (let k = 0; k < K; k++) {
          const word = (g * E + e) * K + k;
          const row = (c * K + k) * M + g * Pm;
          if (c < C) writer.write(body, word * writer.lineBytes, t, row, lanes);
          else writer.write(body, word * writer.lineBytes, t, 0, 0);
        }
      }
    }
    for (let w = 0; w < words; w++) body[(w + 1) * writer.lineBytes - 1] = 0x0a;
    files.push({ path: `${mem.fileStem}${j}.memh`, content: Buffer.concat([Buffer.from(header), body]) });
  }
  return files;
}

/** Bias ROM: word g holds bias[g·P_m + l] in lane l. */
export function biasFile(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const { M } = plan.dims;
  const { outputsPerCycle: Pm, outputGroups: G } = plan.parallel;
  const words: string[] = [];
  for (let g = 0; g < G; g++) {
    const lanes = new Int32Array(Pm);
    for (let l = 0; l < Pm && g * Pm + l < M; l++) lanes[l] = plan.bias.values[g * Pm + l];
    words.push(packHex(lanes, plan.bias.width, Pm));
  }
  const mem = plan.memory.bias;
  return memFile(design, mem.file, `Bias of layer ${plan.name} in accumulator units.`, words, romWords(mem.depth), mem.width);
}

/** The encoder's step ROM: one word per encode step, its fields from the encoder (CCS: centroids and norms). */
export function stepRomFile(design: DesignPlan, plan: LutLinearPlan): GeneratedFile | null {
  const rom = plan.encoder.stepRom;
  if (!rom) return null;
  const step = encoderOf(plan.encoder).emit.stepRom;
  const words = step.words({ design, layer: plan, encoder: plan.encoder, params: layerParams(plan) }).map(packFieldsHex);
  return memFile(design, rom.file, step.describe(plan), words, romWords(rom.depth), rom.width);
}

/** The ROM modules: one for the table banks (plan's style), one for bias and the step ROM (distributed). */
export function romModules(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const t = plan.memory.table;
  const roms: RomSpec[] = [{ module: plan.modules.tableRom, style: t.style, width: t.width, depth: t.depth, addressWidth: t.addressWidth, file: `${t.fileStem}0.memh`, purpose: 'lookup-table bank ROM' }];
  if (plan.parallel.outputGroups > 1) {
    const b = plan.memory.bias;
    roms.push({ module: plan.modules.biasRom, style: 'distributed', ...b, purpose: 'bias ROM' });
  }
  const s = plan.encoder.stepRom;
  if (s) roms.push({ ...s, style: 'distributed', purpose: encoderOf(plan.encoder).emit.shell.stepRom.title });
  const params = layerParams(plan);
  return roms.map((r) => romModule(design, r, params));
}
