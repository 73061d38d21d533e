/**
 * Emitter of the hash-tree encoder unit (templates/encoders/hash_tree/hash_tree.v.hbs) and the
 * contents of its threshold ROM.
 *
 * Structure, per lane j (codebook j when E = 1) and level l: the element e_l (the lane's split
 * column: a constant select when E = 1, a mux by the ROM word's column field when E > 1,
 * sign-extended to b_in + 1 bits), the threshold t_l and the bit b_l = $signed(e_l) > $signed(t_l).
 * The levels are cut into stages by the plan's registered levels; each stage ends in the lane's
 * node register (the bits so far, the first level's bit the MSB) and carries what later levels
 * still need: their elements, and with a ROM the thresholds of the subtree under the node reached
 * (the subtree halves at every level, so a deep pipeline carries 2^(d−k) − 1 thresholds after k
 * levels, not the whole tree). Thresholds: with constants, level l's 2^l literals selected by the
 * l node bits (one literal when they are all equal); with a ROM, the stage's subtree field of level
 * l selected by the bits of the levels this stage has already decided.
 */
import { baseContext, type GeneratedFile } from '../../emit/common/context.ts';
import { renderTemplate } from '../../emit/render.ts';
import { lit, range, slice, type PackedField } from '../../emit/verilog.ts';
import type { LutLinearPlan } from '../../plan/types.ts';
import type { EncoderEmitContext } from '../registry.ts';
import { laneParamBits, lateNarrowing } from './plan.ts';
import type { HashTreePlan } from './types.ts';

/** A combinational net: a wire with its expression, or a case-selected reg (the last value is the default). */
type Item =
  | { isWire: true; decl: string; name: string; expr: string }
  | { isWire: false; decl: string; name: string; sel: string; cases: { label: string; target: string; expr: string }[]; last: string };

interface Section {
  comment: string;
  items: Item[];
  regs: { decl: string; name: string; expr: string }[];
}

const cat = (parts: string[]): string => (parts.length === 1 ? parts[0] : `{${parts.join(', ')}}`);

/** A case-selected value over `values` by `sel` (`width` bits); a plain wire when every value is the same. */
function select(decl: string, name: string, sel: string, width: number, values: string[]): Item {
  if (values.every((v) => v === values[0])) return { isWire: true, decl, name, expr: values[0] };
  return {
    isWire: false,
    decl,
    name,
    sel,
    cases: values.slice(0, -1).map((expr, n) => ({ label: lit(n, width), target: name, expr })),
    last: values[values.length - 1],
  };
}

/** [start, end) level ranges of the stages (end = a registered level count). */
export function stageLevels(ht: HashTreePlan): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (const end of ht.registeredLevels) {
    out.push([start, end]);
    start = end;
  }
  return out;
}

export function hashTreeModule(ctx: EncoderEmitContext<HashTreePlan>): GeneratedFile {
  const { design, layer: plan, encoder: ht } = ctx;
  const { K, V } = plan.dims;
  const Pc = plan.parallel.codebooksPerCycle;
  const B = plan.input.bits;
  const W = ht.comparatorWidth;
  const d = ht.depth;
  const nodes = 2 ** d - 1;
  const rom = ht.thresholdStorage === 'rom';
  const laneBits = laneParamBits(ht);
  const stages = stageLevels(ht);
  const S = stages.length;
  const column = (j: number, v: number) => slice(ht.subRegister ? 'sub_q' : 'sub_i', (j * V + v) * B, B);
  // With constant columns (or one column) a lane's levels share an element per column; else one per level.
  const key = (j: number, l: number) => (!rom ? `v${ht.splitDims[j * d + l]}` : V === 1 ? 'v0' : `l${l}`);
  // With the select stage, level stage 0 reads the registered elements and thresholds (`…_r_q`).
  const sel = ht.selectStage;
  const elem = (j: number, k: string, s: number) => (s > 0 ? `a${j}_${k}_s${s}_q` : sel ? `a${j}_${k}_r_q` : `a${j}_${k}`);
  const node = (j: number, s: number) => `node${j}_s${s}_q`;
  const block = (j: number, m: number, s: number) => (s > 0 ? `p${j}_l${m}_s${s}_q` : sel ? `p${j}_l${m}_r_q` : `p${j}_l${m}`);
  const bits = (j: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `b${j}_${from + i}`);
  // pipeline: max with a ROM: a stage narrows the carried subtrees by the previous level's bit,
  // the LSB of the node register it reads.
  const late = lateNarrowing(ht);
  const pending = (j: number, s: number) => (s === 1 ? node(j, 1) : `${node(j, s)}[0]`);

  const sections: Section[] = [];
  const unused: string[] = [];
  if (ht.subRegister) {
    sections.push({
      comment: 'The sub-vectors wait a cycle for the threshold ROM word, read with the step register.',
      items: [],
      regs: [{ decl: range(Pc * V * B), name: 'sub_q', expr: 'sub_i' }],
    });
  }
  for (const [s, [k0, k1]] of stages.entries()) {
    for (let j = 0; j < Pc; j++) {
      let items: Item[] = [];
      let regs: Section['regs'] = [];
      if (s === 0) {
        if (!rom || V === 1) {
          const cols = [...new Set(Array.from({ length: d }, (_, l) => (rom ? 0 : ht.splitDims[j * d + l])))].sort((a, b) => a - b);
          for (const v of cols) items.push({ isWire: true, decl: range(B), name: `a${j}_v${v}`, expr: column(j, v) });
          for (let v = 0; v < V; v++) if (!cols.includes(v)) unused.push(column(j, v));
        } else {
          for (let l = 0; l < d; l++) {
            const dim = `dim${j}_${l}`;
            items.push({ isWire: true, decl: range(ht.dimWidth), name: dim, expr: slice('params_i', j * laneBits + l * ht.dimWidth, ht.dimWidth) });
            items.push(select(range(B), `a${j}_l${l}`, dim, ht.dimWidth, Array.from({ length: V }, (_, v) => column(j, v))));
          }
        }
        if (rom) {
          for (let m = 0; m < d; m++) {
            const at = j * laneBits + d * ht.dimWidth + (2 ** m - 1) * W;
            items.push({ isWire: true, decl: range(2 ** m * W), name: `p${j}_l${m}`, expr: slice('params_i', at, 2 ** m * W) });
          }
        }
        if (sel) {
          for (let l = 0; l < d; l++) regs.push({ decl: range(B), name: elem(j, key(j, l), 0), expr: `a${j}_${key(j, l)}` });
          for (let m = 0; m < d; m++) regs.push({ decl: range(2 ** m * W), name: block(j, m, 0), expr: `p${j}_l${m}` });
          sections.push({ comment: `Select stage, lane ${j}: the element and the thresholds of every level, registered before level 0.`, items, regs });
          items = [];
          regs = [];
        }
      }
      for (let l = k0; l < k1; l++) {
        const a = elem(j, key(j, l), s);
        items.push({ isWire: true, decl: range(W), name: `e${j}_${l}`, expr: `{${a}[${B - 1}], ${a}}` });
        const t = `t${j}_${l}`;
        if (!rom) {
          const values = Array.from({ length: 2 ** l }, (_, n) => lit(ht.thresholds[j * nodes + 2 ** l - 1 + n], W, true));
          const sel = cat([...(k0 > 0 ? [node(j, s)] : []), ...bits(j, k0, l)]);
          items.push(select(range(W), t, sel, l, values));
        } else if (late && s > 0) {
          // Both thresholds of the carried pair are compared; the previous level's registered bit
          // picks the result (no multiplexer in front of the carry chain).
          const p = block(j, l, s);
          for (const h of [0, 1]) items.push({ isWire: true, decl: '', name: `c${j}_${l}_${h}`, expr: `$signed(e${j}_${l}) > $signed(${slice(p, h * W, W)})` });
          items.push({ isWire: true, decl: '', name: `b${j}_${l}`, expr: `${pending(j, s)} ? c${j}_${l}_1 : c${j}_${l}_0` });
          continue;
        } else {
          const r = l - k0;
          const p = block(j, l, s);
          if (r === 0) items.push({ isWire: true, decl: range(W), name: t, expr: p });
          else items.push(select(range(W), t, cat(bits(j, k0, l)), r, Array.from({ length: 2 ** r }, (_, i) => slice(p, i * W, W))));
        }
        items.push({ isWire: true, decl: '', name: `b${j}_${l}`, expr: `$signed(e${j}_${l}) > $signed(${t})` });
      }
      // The stage's registers: the node so far, then what the later levels read.
      regs.push({ decl: range(k1), name: node(j, s + 1), expr: cat([...(k0 > 0 ? [node(j, s)] : []), ...bits(j, k0, k1)]) });
      const later = [...new Set(Array.from({ length: d - k1 }, (_, i) => key(j, k1 + i)))];
      for (const k of later) regs.push({ decl: range(B), name: elem(j, k, s + 1), expr: elem(j, k, s) });
      if (late) {
        // Narrow each later level's subtree by the previous level's registered bit (not this
        // level's fresh comparison, whose fan-out to every threshold bit was the critical path).
        for (let m = k1; m < d; m++) {
          const size = 2 ** (m - s) * W;
          if (s === 0) {
            regs.push({ decl: range(size), name: block(j, m, 1), expr: block(j, m, 0) });
            continue;
          }
          const next = `p${j}_l${m}_s${s + 1}_d`;
          items.push(select(range(size), next, pending(j, s), 1, [slice(block(j, m, s), 0, size), slice(block(j, m, s), size, size)]));
          regs.push({ decl: range(size), name: block(j, m, s + 1), expr: next });
        }
      } else if (rom) {
        const path = cat(bits(j, k0, k1));
        for (let m = k1; m < d; m++) {
          const size = 2 ** (m - k1) * W;
          const next = `p${j}_l${m}_s${s + 1}_d`;
          items.push(select(range(size), next, path, k1 - k0, Array.from({ length: 2 ** (k1 - k0) }, (_, i) => slice(block(j, m, s), i * size, size))));
          regs.push({ decl: range(size), name: block(j, m, s + 1), expr: next });
        }
      }
      const levels = k1 - k0 === 1 ? `level ${k0}` : `levels ${k0} … ${k1 - 1}`;
      const carried = d > k1 ? `; carries the elements${rom ? ' and the subtree thresholds' : ''} of ${d - k1 === 1 ? `level ${k1}` : `levels ${k1} … ${d - 1}`}` : '';
      sections.push({ comment: `Stage ${s}, lane ${j}: ${levels}, node register of ${k1} bit(s)${carried}.`, items, regs });
    }
  }

  const L = ht.latency;
  const extra = (ht.subRegister ? 1 : 0) + (sel ? 1 : 0);
  const registered = ht.registeredLevels.join(', ') + (ht.subRegister ? ` (behind ${sel ? 'the sub-vector and select stages' : 'the sub-vector stage'})` : '');
  if (L !== S + extra) throw new RangeError(`${ht.module}: latency ${L} but ${S} level stages and ${extra} before them`);
  const context = {
    ...baseContext(design, ht.module, 'hash-tree encoder', {
      ...ctx.params,
      'comparator bits': W,
      'node registers after levels': registered,
      thresholds: rom ? 'threshold ROM (E > 1)' : 'constants (E = 1)',
      latency: L,
    }),
    lanes: Pc,
    depth: d,
    K,
    V,
    width: W,
    registeredLevels: registered,
    latency: L,
    romParams: rom,
    subRange: range(Pc * V * B),
    paramsRange: rom ? range(ht.stepRom!.width) : '',
    idxRange: range(Pc * d),
    unusedInputs: unused.join(', '),
    sections,
    validRange: range(L),
    validZeroLit: lit(0, L),
    validShiftExpr: L === 1 ? 'valid_i' : `{${slice('valid_q', 0, L - 1)}, valid_i}`,
    validMsb: L - 1,
    idxOutExpr: cat(Array.from({ length: Pc }, (_, j) => node(Pc - 1 - j, S))),
  };
  return { path: `${ht.module}.v`, content: renderTemplate('encoders/hash_tree/hash_tree.v.hbs', context) };
}

/** Threshold ROM: word e holds, per lane j (codebook e·P_c + j, zeros past C), its d split columns, then its thresholds level-major. */
export function thresholdRomWords(plan: LutLinearPlan, ht: HashTreePlan): PackedField[][] {
  const { C } = plan.dims;
  const { codebooksPerCycle: Pc, encodeSteps: E } = plan.parallel;
  const d = ht.depth;
  const nodes = 2 ** d - 1;
  const words: PackedField[][] = [];
  for (let e = 0; e < E; e++) {
    const fields: PackedField[] = [];
    for (let j = 0; j < Pc; j++) {
      const c = e * Pc + j;
      if (ht.dimWidth > 0) for (let l = 0; l < d; l++) fields.push({ value: c < C ? ht.splitDims[c * d + l] : 0, width: ht.dimWidth });
      for (let n = 0; n < nodes; n++) fields.push({ value: c < C ? ht.thresholds[c * nodes + n] : 0, width: ht.comparatorWidth });
    }
    words.push(fields);
  }
  return words;
}
