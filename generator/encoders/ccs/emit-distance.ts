/**
 * Distance modules of the maximally pipelined closest-centroid search (`pipeline: max`): one
 * instance per (lane, centroid), each registering its own copy of the input before its
 * reduction tree. With a centroid ROM every instance has the same structure (one module); with
 * constant centroids each centroid is its own module (`<distanceModule>_<lane>_<k>`), its constants
 * folded into the tree. A lane's input reaches them through one `<fanoutModule>` register per group
 * of CCS_FANOUT_GROUP centroids (pipeline.ts).
 */
import type { LutLinearPlan } from '../../plan/types.ts';
import { baseContext, type GeneratedFile } from '../../emit/common/context.ts';
import { renderTemplate } from '../../emit/render.ts';
import { lit, range, signExtend, slice } from '../../emit/verilog.ts';
import type { EncoderEmitContext } from '../registry.ts';
import { distanceTree, l2DistanceTerms } from './distance-tree.ts';
import { CCS_BROADCAST_STAGES, CCS_FANOUT_GROUP } from './pipeline.ts';
import type { CcsPlan } from './types.ts';

/**
 * Cycles from the CCS input to a distance: the input register, the group copy (`fanoutModule`), the
 * distance module's own copy, then the tree whose last level is the output register.
 */
export function distanceLatency(ccs: CcsPlan): number {
  return CCS_BROADCAST_STAGES + ccs.distanceStages;
}

/** Bits of one centroid-ROM entry: V coordinates and, for l2, the norm. */
export function centroidEntryBits(plan: LutLinearPlan, ccs: CcsPlan): number {
  return plan.dims.V * plan.input.bits + (ccs.metric === 'l2' ? ccs.normWidth : 0);
}

/** Module of the distance of (lane j, centroid k). */
export function distanceModuleName(ccs: CcsPlan, j: number, k: number): string {
  return ccs.centroidStorage === 'rom' ? ccs.distanceModule : `${ccs.distanceModule}_${j}_${k}`;
}

function distanceFile(ctx: EncoderEmitContext<CcsPlan>, j: number, k: number): GeneratedFile {
  const { layer: plan, encoder: ccs } = ctx;
  const { K, V } = plan.dims;
  const B = plan.input.bits;
  const W = ccs.distanceWidth;
  const rom = ccs.centroidStorage === 'rom';
  const l2 = ccs.metric === 'l2';
  const name = distanceModuleName(ccs, j, k);
  const stages = ccs.distanceStages;
  const i = j * K + k;
  const terms = l2 ? l2DistanceTerms(plan, ccs, rom ? null : i) : null;
  const tree = distanceTree(plan, ccs, 'd', stages, terms, {
    input: (v) => slice('sub_q', v * B, B),
    inputSign: (v) => `sub_q[${v * B + B - 1}]`,
    coordBit: (v, b) => `centroid_q[${v * B + b}]`,
    coordLow: (v) => slice('centroid_q', v * B, B - 1),
    norm: () => slice('centroid_q', V * B, ccs.normWidth),
  });
  // l1 / chebyshev: sign-extended elements and coordinates, then |a − p|.
  const elementWires: { name: string; expr: string }[] = [];
  const absWires: { name: string; expr: string }[] = [];
  if (!l2) {
    for (let v = 0; v < V; v++) {
      const a = `a${v}`;
      elementWires.push({ name: a, expr: signExtend(slice('sub_q', v * B, B), `sub_q[${v * B + B - 1}]`, B, W) });
      let p = lit(ccs.centroids[i * V + v], W, true);
      if (rom) {
        p = `p${v}`;
        elementWires.push({ name: p, expr: signExtend(slice('centroid_q', v * B, B), `centroid_q[${v * B + B - 1}]`, B, W) });
      }
      absWires.push({ name: `d_abs${v}`, expr: `(${a} < ${p}) ? (${p} - ${a}) : (${a} - ${p})` });
    }
  }
  // Constant l2 centroids: a coordinate of 0 contributes no term, so its input bits are unread.
  const unused = l2 && !rom ? Array.from({ length: V }, (_, v) => v).filter((v) => !terms!.some((t) => t.kind === 'pp' && t.v === v)) : [];
  const latency = 1 + ccs.distanceStages;
  const description = rom
    ? `Distance of one centroid read from the centroid ROM (metric ${ccs.metric}), instantiated for each of the ${plan.parallel.codebooksPerCycle * K} (lane, centroid) pairs.`
    : `Distance to centroid ${k} of lane ${j} (metric ${ccs.metric}, coordinates ${Array.from(ccs.centroids.subarray(i * V, (i + 1) * V)).join(', ')}${l2 ? `, norm ${ccs.norms[i]}` : ''}).`;
  const context = {
    ...baseContext(ctx.design, name, 'closest-centroid search, one distance (pipeline: max)', { ...ctx.params, 'distance bits': W, latency }),
    description,
    romCentroids: rom,
    subRange: range(V * B),
    centroidRange: range(centroidEntryBits(plan, ccs)),
    distRange: range(W),
    unusedInputs: unused.map((v) => slice('sub_q', v * B, B)).join(', '),
    elementWires,
    absWires,
    stageRegs: tree.regs,
    stageAssigns: tree.assigns,
    finalExpr: tree.final,
    latency,
  };
  return { path: `${name}.v`, content: renderTemplate('encoders/ccs/ccs_distance.v.hbs', context) };
}

/** Number of input copies per lane: one per group of CCS_FANOUT_GROUP centroids. */
export function fanoutGroups(plan: LutLinearPlan): number {
  return Math.ceil(plan.dims.K / CCS_FANOUT_GROUP);
}

function fanoutFile(ctx: EncoderEmitContext<CcsPlan>): GeneratedFile {
  const plan = ctx.layer;
  const name = ctx.encoder.fanoutModule;
  const context = {
    ...baseContext(ctx.design, name, 'closest-centroid search, input copy for a group of centroids (pipeline: max)', { ...ctx.params, 'centroids per copy': CCS_FANOUT_GROUP }),
    group: CCS_FANOUT_GROUP,
    range: range(plan.dims.V * plan.input.bits),
  };
  return { path: `${name}.v`, content: renderTemplate('encoders/ccs/ccs_fanout.v.hbs', context) };
}

/** The input-copy and distance module files of a layer (none unless pipeline: max). */
export function ccsDistanceFiles(ctx: EncoderEmitContext<CcsPlan>): GeneratedFile[] {
  const { layer: plan, encoder: ccs } = ctx;
  if (ccs.pipeline !== 'max') return [];
  if (ccs.centroidStorage === 'rom') return [fanoutFile(ctx), distanceFile(ctx, 0, 0)];
  const files: GeneratedFile[] = [fanoutFile(ctx)];
  for (let j = 0; j < plan.parallel.codebooksPerCycle; j++) for (let k = 0; k < plan.dims.K; k++) files.push(distanceFile(ctx, j, k));
  return files;
}
