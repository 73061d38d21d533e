/**
 * Emitters of the closest-centroid-search encoder: the CCS unit (distances and argmin tree per
 * lane; templates/encoders/ccs/ccs.v.hbs) and the contents of its centroid ROM.
 */
import type { LutLinearPlan } from '../../plan/types.ts';
import { baseContext, type GeneratedFile } from '../../emit/common/context.ts';
import { renderTemplate } from '../../emit/render.ts';
import { lit, range, signExtend, slice, zeroExtend, type PackedField } from '../../emit/verilog.ts';
import type { EncoderEmitContext } from '../registry.ts';
import { centroidEntryBits, distanceLatency, distanceModuleName, fanoutGroups } from './emit-distance.ts';
import { CCS_FANOUT_GROUP } from './pipeline.ts';
import type { CcsPlan } from './types.ts';

interface Wire {
  name: string;
  expr: string;
}

interface DistanceInstance {
  module: string;
  instance: string;
  subExpr: string;
  centroidExpr: string;
  out: string;
}

interface TreeNode {
  name: string;
  registered: boolean;
  /** The root only forwards its index; its distance has no reader. */
  hasDist: boolean;
  distExpr: string;
  idxExpr: string;
  /** pipeline: max — one-bit comparison results registered in a stage of their own. */
  flags: { name: string; expr: string }[];
}

/**
 * pipeline: max — registered flags of `right < left` (signed, W bits) for a compare stage named
 * `c`, and the expression of the comparison from them. Wide distances are compared in two halves
 * (signed upper: less / equal; unsigned lower: less), so no carry chain is longer than about W/2;
 * the halves combine in the select stage: r < l ⇔ upper(r) < upper(l) or (equal and lower(r) < lower(l)).
 */
function splitCompare(c: string, right: string, left: string, W: number): { flags: TreeNode['flags']; take: string } {
  if (W < 4) return { flags: [{ name: `${c}_lt`, expr: `(${right} < ${left})` }], take: `${c}_lt` };
  const L = Math.floor(W / 2);
  const hi = (x: string) => `$signed(${x}[${W - 1}:${L}])`;
  const lo = (x: string) => `${x}[${L - 1}:0]`;
  return {
    flags: [
      { name: `${c}_hi_lt`, expr: `(${hi(right)} < ${hi(left)})` },
      { name: `${c}_hi_eq`, expr: `(${hi(right)} == ${hi(left)})` },
      { name: `${c}_lo_lt`, expr: `(${lo(right)} < ${lo(left)})` },
    ],
    take: `(${c}_hi_lt | (${c}_hi_eq & ${c}_lo_lt))`,
  };
}

/** Argmin tree nodes of one lane. Left inputs always hold lower indices; right wins only if strictly smaller. */
function laneTree(plan: LutLinearPlan, ccs: CcsPlan, lane: number): { nodes: TreeNode[]; root: string } {
  const iw = ccs.indexWidth;
  let level: { dist: string; idx: string }[] = [];
  for (let k = 0; k < plan.dims.K; k++) level.push({ dist: `d${lane}_${k}_q`, idx: lit(k, iw) });
  const nodes: TreeNode[] = [];
  const split = ccs.pipeline === 'max';
  for (let l = 1; l <= ccs.treeDepth; l++) {
    const registered = ccs.treeRegisteredLevels.includes(l);
    const next: { dist: string; idx: string }[] = [];
    if (split) {
      // pipeline: max — compare stage (both candidates and the comparison registered), then select stage.
      const last = l === ccs.treeDepth;
      for (let n = 0; n * 2 < level.length; n++) {
        const left = level[n * 2];
        const right = level[n * 2 + 1];
        const name = `t${lane}_${l}_${n}`;
        const c = `c${lane}_${l}_${n}`;
        nodes.push({ name: `${c}_l`, registered: true, hasDist: !last, distExpr: left.dist, idxExpr: left.idx, flags: [] });
        if (right) {
          const cmp = splitCompare(c, right.dist, left.dist, ccs.distanceWidth);
          nodes.push({ name: `${c}_r`, registered: true, hasDist: !last, distExpr: right.dist, idxExpr: right.idx, flags: cmp.flags });
          nodes.push({ name, registered: true, hasDist: !last, distExpr: `${cmp.take} ? ${c}_r_dist : ${c}_l_dist`, idxExpr: `${cmp.take} ? ${c}_r_idx : ${c}_l_idx`, flags: [] });
        } else {
          nodes.push({ name, registered: true, hasDist: !last, distExpr: `${c}_l_dist`, idxExpr: `${c}_l_idx`, flags: [] });
        }
        next.push({ dist: `${name}_dist`, idx: `${name}_idx` });
      }
      level = next;
      continue;
    }
    for (let n = 0; n * 2 < level.length; n++) {
      const left = level[n * 2];
      const right = level[n * 2 + 1];
      const name = `t${lane}_${l}_${n}`;
      const take = right ? `(${right.dist} < ${left.dist})` : '';
      nodes.push({
        name,
        registered,
        hasDist: l < ccs.treeDepth,
        distExpr: right ? `${take} ? ${right.dist} : ${left.dist}` : left.dist,
        idxExpr: right ? `${take} ? ${right.idx} : ${left.idx}` : left.idx,
        flags: [],
      });
      next.push({ dist: `${name}_dist`, idx: `${name}_idx` });
    }
    level = next;
  }
  return { nodes, root: `t${lane}_${ccs.treeDepth}_0_idx` };
}

export function ccsModule(ctx: EncoderEmitContext<CcsPlan>): GeneratedFile {
  const { design, layer: plan, encoder: ccs } = ctx;
  const { K, V } = plan.dims;
  const Pc = plan.parallel.codebooksPerCycle;
  const B = plan.input.bits;
  const W = ccs.distanceWidth;
  const romCentroids = ccs.centroidStorage === 'rom';
  const l2 = ccs.metric === 'l2';
  const entryBits = centroidEntryBits(plan, ccs);

  const maxPipe = ccs.pipeline === 'max';
  const elements: Wire[] = [];
  const centroidWires: Wire[] = [];
  const auxWires: Wire[] = [];
  const distances: Wire[] = [];
  const instances: DistanceInstance[] = [];
  const copies: { instance: string; d: string; q: string }[] = [];
  if (maxPipe) {
    // pipeline: max — lane j's input goes to its K distance modules through the input register,
    // one copy register per group of centroids and each distance module's own copy.
    for (let j = 0; j < Pc; j++) {
      for (let g = 0; g < fanoutGroups(plan); g++) copies.push({ instance: `u_copy${j}_${g}`, d: slice('sub_in_q', j * V * B, V * B), q: `sub${j}_g${g}` });
      for (let k = 0; k < K; k++) {
        instances.push({
          module: distanceModuleName(ccs, j, k),
          instance: `u_dist${j}_${k}`,
          subExpr: `sub${j}_g${Math.floor(k / CCS_FANOUT_GROUP)}`,
          centroidExpr: romCentroids ? slice('centroids_q', (j * K + k) * entryBits, entryBits) : '',
          out: `d${j}_${k}_q`,
        });
      }
    }
  } else {
    for (let j = 0; j < Pc; j++) {
      for (let v = 0; v < V; v++) {
        const lsb = (j * V + v) * B;
        elements.push({ name: `a${j}_${v}`, expr: signExtend(slice('sub_i', lsb, B), `sub_i[${lsb + B - 1}]`, B, W) });
      }
    }
  }

  // Centroid operands: literals when each lane serves one codebook, ROM fields otherwise.
  const coord = (j: number, k: number, v: number): string => {
    if (!romCentroids) return lit(ccs.centroids[(j * K + k) * V + v], W, true);
    return `p${j}_${k}_${v}`;
  };
  const norm = (j: number, k: number): string => (romCentroids ? `n${j}_${k}` : lit(ccs.norms[j * K + k], W, true));
  if (romCentroids && !maxPipe) {
    for (let j = 0; j < Pc; j++) {
      for (let k = 0; k < K; k++) {
        const base = (j * K + k) * entryBits;
        for (let v = 0; v < V; v++) {
          const lsb = base + v * B;
          centroidWires.push({ name: `p${j}_${k}_${v}`, expr: signExtend(slice('centroids_i', lsb, B), `centroids_i[${lsb + B - 1}]`, B, W) });
        }
        if (l2) centroidWires.push({ name: `n${j}_${k}`, expr: zeroExtend(slice('centroids_i', base + V * B, ccs.normWidth), ccs.normWidth, W) });
      }
    }
  }

  for (let j = 0; j < Pc && !maxPipe; j++) {
    for (let k = 0; k < K; k++) {
      const name = `d${j}_${k}`;
      if (l2) {
        // e = ||p||² − 2·(a·p): the argmin of ||a − p||² without squaring the input.
        const terms = Array.from({ length: V }, (_, v) => `(a${j}_${v} * ${coord(j, k, v)})`);
        distances.push({ name, expr: `${norm(j, k)} - ((${terms.join(' + ')}) <<< 1)` });
        continue;
      }
      const abs: string[] = [];
      for (let v = 0; v < V; v++) {
        const a = `a${j}_${v}`;
        const p = coord(j, k, v);
        const absName = `${name}_abs${v}`;
        auxWires.push({ name: absName, expr: `(${a} < ${p}) ? (${p} - ${a}) : (${a} - ${p})` });
        abs.push(absName);
      }
      if (ccs.metric === 'l1') {
        distances.push({ name, expr: abs.join(' + ') });
      } else {
        let running = abs[0];
        for (let v = 1; v < V; v++) {
          const maxName = `${name}_max${v}`;
          auxWires.push({ name: maxName, expr: `(${abs[v]} > ${running}) ? ${abs[v]} : ${running}` });
          running = maxName;
        }
        distances.push({ name, expr: running });
      }
    }
  }

  const treeNodes: TreeNode[] = [];
  const roots: string[] = [];
  for (let j = 0; j < Pc; j++) {
    const t = laneTree(plan, ccs, j);
    treeNodes.push(...t.nodes);
    roots.push(t.root);
  }
  const L = ccs.latency;
  const context = {
    ...baseContext(design, ccs.module, 'closest-centroid search', {
      ...ctx.params,
      'distance bits': W,
      'tree levels per stage': `registers after levels ${ccs.treeRegisteredLevels.join(', ')}`,
      ...(maxPipe ? { 'ccs pipeline': `max (input register and copies + ${ccs.distanceStages} distance stages per centroid)` } : {}),
      latency: L,
    }),
    lanes: Pc,
    K,
    V,
    metric: ccs.metric,
    distWidth: W,
    treeDepth: ccs.treeDepth,
    latency: L,
    romCentroids,
    hasNorms: l2,
    subRange: range(Pc * V * B),
    centroidRange: romCentroids ? range(ccs.stepRom!.width) : '',
    idxRange: range(Pc * ccs.indexWidth),
    distRange: range(W),
    idxLaneRange: range(ccs.indexWidth),
    elements,
    centroidWires,
    auxWires,
    distances,
    instances,
    copies,
    fanoutModule: ccs.fanoutModule,
    subLaneRange: range(V * B),
    distanceLatency: maxPipe ? distanceLatency(ccs) : 1,
    treeNodes,
    validRange: `[${L - 1}:0]`,
    validZeroLit: lit(0, L),
    validShiftExpr: L === 1 ? 'valid_i' : `{${slice('valid_q', 0, L - 1)}, valid_i}`,
    validMsb: L - 1,
    idxOutExpr: roots.length === 1 ? roots[0] : `{${roots.slice().reverse().join(', ')}}`,
  };
  return { path: `${ccs.module}.v`, content: renderTemplate('encoders/ccs/ccs.v.hbs', context) };
}

/** Centroid ROM: word e holds, per lane j and centroid k, the V coordinates and (l2) the norm. */
export function centroidRomWords(plan: LutLinearPlan, ccs: CcsPlan): PackedField[][] {
  const { C, K, V } = plan.dims;
  const { codebooksPerCycle: Pc, encodeSteps: E } = plan.parallel;
  const B = plan.input.bits;
  const normWidth = ccs.metric === 'l2' ? ccs.normWidth : 0;
  const words: PackedField[][] = [];
  for (let e = 0; e < E; e++) {
    const fields: PackedField[] = [];
    for (let j = 0; j < Pc; j++) {
      const c = e * Pc + j;
      for (let k = 0; k < K; k++) {
        const i = c * K + k;
        for (let v = 0; v < V; v++) fields.push({ value: c < C ? ccs.centroids[i * V + v] : 0, width: B });
        if (normWidth > 0) fields.push({ value: c < C ? ccs.norms[i] : 0, width: normWidth });
      }
    }
    words.push(fields);
  }
  return words;
}
