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
import type { EncoderEmitContext } from '../registry.ts';
import { laneParamBits } from './plan.ts';
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
  const column = (j: number, v: number) => slice('sub_i', (j * V + v) * B, B);
  // With constant columns (or one column) a lane's levels share an element per column; else one per level.
  const key = (j: number, l: number) => (!rom ? `v${ht.splitDims[j * d + l]}` : V === 1 ? 'v0' : `l${l}`);
  const elem = (j: number, k: string, s: number) => (s === 0 ? `a${j}_${k}` : `a${j}_${k}_s${s}_q`);
  const node = (j: number, s: number) => `node${j}_s${s}_q`;
  const block = (j: number, m: number, s: number) => (s === 0 ? `p${j}_l${m}` : `p${j}_l${m}_s${s}_q`);
  const bits = (j: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `b${j}_${from + i}`);

  const sections: Section[] = [];
  const unused: string[] = [];
  for (const [s, [k0, k1]] of stages.entries()) {
    for (let j = 0; j < Pc; j++) {
      const items: Item[] = [];
      const regs: Section['regs'] = [];
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
            items.push({ isWire: true, decl: range(2 ** m * W), name: block(j, m, 0), expr: slice('params_i', at, 2 ** m * W) });
          }
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
      if (rom) {
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
  if (L !== S) throw new RangeError(`${ht.module}: latency ${L} but ${S} stages`);
  const context = {
    ...baseContext(design, ht.module, 'hash-tree encoder', {
      ...ctx.params,
      'comparator bits': W,
      'node registers after levels': ht.registeredLevels.join(', '),
      thresholds: rom ? 'threshold ROM (E > 1)' : 'constants (E = 1)',
      latency: L,
    }),
    lanes: Pc,
    depth: d,
    K,
    V,
    width: W,
    registeredLevels: ht.registeredLevels.join(', '),
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
export function thresholdRomWords(ctx: EncoderEmitContext<HashTreePlan>): PackedField[][] {
  const { layer: plan, encoder: ht } = ctx;
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
