/** Memory files ($readmemh) and ROM modules of a lut_linear layer: table banks, bias, the encoder's step ROM. */
import { encoderOf } from '../../encoders/registry.ts';
import { hasBiasMemory, writableTables } from '../../plan/lut-linear.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import type { GeneratedFile } from '../common/context.ts';
import { memFile, romModule, romWords, type RomSpec } from '../common/memory.ts';
import { headerLines } from '../header.ts';
import { HexWordWriter, packFields, packFieldsHex, packHex } from '../verilog.ts';
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

/** Lanes (two's complement, `bits` each, lane 0 at the LSB) as one word. */
function packLanes(values: ArrayLike<number>, from: number, lanes: number, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  let word = 0n;
  for (let l = lanes - 1; l >= 0; l--) word = (word << BigInt(bits)) | (BigInt(values[from + l]) & mask);
  return word;
}

/** The words of table bank j (the layout of tableBankFiles), for the load port. */
export function tableBankWords(plan: LutLinearPlan, j: number): bigint[] {
  const { C, K, M } = plan.dims;
  const { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E, outputGroups: G } = plan.parallel;
  const words: bigint[] = new Array(plan.memory.table.depth).fill(0n);
  for (let g = 0; g < G; g++) {
    const lanes = Math.min(Pm, M - g * Pm);
    for (let e = 0; e < E; e++) {
      const c = e * Pc + j;
      if (c >= C) continue;
      for (let k = 0; k < K; k++) words[(g * E + e) * K + k] = packLanes(plan.table.values, (c * K + k) * M + g * Pm, lanes, plan.table.bits);
    }
  }
  return words;
}

/** The words of the bias memory (the layout of biasFile), for the load port. */
export function biasWords(plan: LutLinearPlan): bigint[] {
  const { M } = plan.dims;
  const { outputsPerCycle: Pm, outputGroups: G } = plan.parallel;
  return Array.from({ length: G }, (_, g) => packLanes(plan.bias.values, g * Pm, Math.min(Pm, M - g * Pm), plan.bias.width));
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
  const words = step.words(plan, plan.encoder).map(packFieldsHex);
  return memFile(design, rom.file, step.describe(plan), words, romWords(rom.depth), rom.width);
}

/** What the encoder's step memory is called: its ROM title, `… RAM` when writable. */
export function stepMemoryTitle(plan: LutLinearPlan): string {
  const title = encoderOf(plan.encoder).emit.shell.stepRom.title;
  return plan.encoder.stepRom?.writable ? title.replace(/ROM$/, 'RAM') : title;
}

/** The words of the encoder's step ROM (the layout of stepRomFile), for the load port. */
export function stepRomWords(plan: LutLinearPlan): bigint[] {
  const rom = plan.encoder.stepRom;
  if (!rom) return [];
  return encoderOf(plan.encoder).emit.stepRom.words(plan, plan.encoder).map(packFields);
}

/** The memory modules: one for the table banks and one for the step ROM (the plan's styles), one for the bias (distributed); RAMs with table_storage: ram (the step ROM where its encoder allows). */
export function romModules(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const t = plan.memory.table;
  const ram = writableTables(plan);
  const memories: { spec: RomSpec; writable: boolean }[] = [
    { spec: { module: plan.modules.tableRom, style: t.style, width: t.width, depth: t.depth, addressWidth: t.addressWidth, file: `${t.fileStem}0.memh`, purpose: ram ? 'lookup-table bank RAM' : 'lookup-table bank ROM' }, writable: ram },
  ];
  if (hasBiasMemory(plan)) {
    const b = plan.memory.bias;
    memories.push({ spec: { module: plan.modules.biasRom, style: 'distributed', ...b, purpose: ram ? 'bias RAM' : 'bias ROM' }, writable: ram });
  }
  const s = plan.encoder.stepRom;
  if (s) memories.push({ spec: { ...s, purpose: stepMemoryTitle(plan) }, writable: s.writable });
  const params = layerParams(plan);
  return memories.map((m) => romModule(design, m.spec, params, m.writable));
}
