/** Memory files ($readmemh) and ROM modules of a lut_linear layer. */
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { headerLines } from '../header.ts';
import { renderTemplate } from '../render.ts';
import { HexWordWriter, packFieldsHex, packHex, range, type PackedField } from '../verilog.ts';
import { baseContext, layerParams, type GeneratedFile } from './common.ts';

/** Declared ROM depth: at least 2 words so a 1-bit address indexes it exactly. */
export function romWords(depth: number): number {
  return Math.max(2, depth);
}

function memFile(design: DesignPlan, path: string, what: string, words: string[], declaredWords: number, width: number): GeneratedFile {
  const zero = '0'.repeat(Math.ceil(width / 4));
  const lines = words.slice();
  while (lines.length < declaredWords) lines.push(zero);
  const comment = headerLines(design, what, '//');
  return { path, content: `${comment}\n${lines.join('\n')}\n` };
}

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

/** Centroid ROM: word e holds, per lane j and centroid k, the V coordinates and (l2) the norm. */
export function centroidFile(design: DesignPlan, plan: LutLinearPlan): GeneratedFile | null {
  const mem = plan.memory.centroids;
  if (!mem) return null;
  const { C, K, V } = plan.dims;
  const { codebooksPerCycle: Pc, encodeSteps: E } = plan.parallel;
  const B = plan.input.bits;
  const normWidth = plan.metric === 'l2' ? plan.ccs.normWidth : 0;
  const words: string[] = [];
  for (let e = 0; e < E; e++) {
    const fields: PackedField[] = [];
    for (let j = 0; j < Pc; j++) {
      const c = e * Pc + j;
      for (let k = 0; k < K; k++) {
        const i = c * K + k;
        for (let v = 0; v < V; v++) fields.push({ value: c < C ? plan.ccs.centroids[i * V + v] : 0, width: B });
        if (normWidth > 0) fields.push({ value: c < C ? plan.ccs.norms[i] : 0, width: normWidth });
      }
    }
    words.push(packFieldsHex(fields));
  }
  return memFile(design, mem.file, `Centroids of layer ${plan.name} per encode step (input-scale integers).`, words, romWords(mem.depth), mem.width);
}

/** The ROM modules: one for the table banks (plan's style), one for bias and centroids (distributed). */
export function romModules(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  const out: GeneratedFile[] = [];
  const roms = [
    { module: plan.modules.tableRom, style: plan.memory.table.style, width: plan.memory.table.width, depth: plan.memory.table.depth, addr: plan.memory.table.addressWidth, file: `${plan.memory.table.fileStem}0.memh`, purpose: 'lookup-table bank ROM' },
  ];
  if (plan.parallel.outputGroups > 1) {
    const b = plan.memory.bias;
    roms.push({ module: plan.modules.biasRom, style: 'distributed', width: b.width, depth: b.depth, addr: b.addressWidth, file: b.file, purpose: 'bias ROM' });
  }
  const c = plan.memory.centroids;
  if (c) roms.push({ module: plan.modules.centroidRom, style: 'distributed', width: c.width, depth: c.depth, addr: c.addressWidth, file: c.file, purpose: 'centroid ROM' });
  for (const r of roms) {
    const ctx = {
      ...baseContext(design, r.module, r.purpose, { ...layerParams(plan), 'width x depth': `${r.width} x ${r.depth}`, style: r.style }),
      style: r.style,
      defaultFile: r.file,
      addrRange: range(r.addr),
      dataRange: range(r.width),
      lastWord: romWords(r.depth) - 1,
    };
    out.push({ path: `${r.module}.v`, content: renderTemplate('rom.v.hbs', ctx) });
  }
  return out;
}
