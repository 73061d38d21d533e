/**
 * The hash-tree emitter (encoders/hash-tree/emit.ts, templates/encoders/hash_tree/): the unit has the
 * seam's port list, one comparison per lane and level, node registers where the plan says, a
 * threshold ROM word per step laid out as documented; reruns are byte-identical. Bit-exactness of
 * the RTL: test/rtl/hash-tree*.test.ts.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerParams } from '../../../generator/emit/lut-linear/common.ts';
import { encoderOf } from '../../../generator/encoders/registry.ts';
import { genRtl } from '../../../generator/gen-rtl.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import { writeRandomLayer, type RandomLayerSpec } from '../../support/random-layer.ts';
import { hashTreeOf } from '../../support/reference-check.ts';

const base: RandomLayerSpec = {
  K: 16, V: 3, C: 4, M: 3, inBits: 6, outBits: 8, tableBits: 8, metric: 'l2', activation: 'none', source: 'float', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 'all', outputsPerCycle: 'all', treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 21,
  hashTree: { depth: 4, onGrid: 0.7, extremes: 0.1, affine: 'grid', centroids: false },
};

async function unitFiles(spec: RandomLayerSpec) {
  const { design } = await planRandomLayer(spec);
  const layer = design.layers[0] as LutLinearPlan;
  const ctx = { design, layer, encoder: layer.encoder, params: layerParams(layer) };
  return { layer, ht: hashTreeOf(layer), ctx, files: encoderOf(layer.encoder).emit.files(ctx) };
}

describe('hash-tree emitter', () => {
  it('the unit has the seam’s ports: clk_i, rst_ni, valid_i, sub_i, [params_i], valid_o, idx_o', async () => {
    for (const codebooksPerCycle of ['all', 3] as const) {
      const { layer, ht, files } = await unitFiles({ ...base, codebooksPerCycle });
      expect(files.map((f) => f.path)).toEqual([`${ht.module}.v`]);
      const text = String(files[0].content);
      const ports = [...text.matchAll(/^\s+(input|output)\s+wire\s+(?:\[(\d+):0\]\s+)?(\w+)/gm)].map((m) => [m[3], m[2] === undefined ? 1 : Number(m[2]) + 1]);
      const Pc = layer.parallel.codebooksPerCycle;
      expect(ports).toEqual([
        ['clk_i', 1], ['rst_ni', 1], ['valid_i', 1], ['sub_i', Pc * layer.dims.V * layer.input.bits],
        ...(ht.stepRom ? [['params_i', ht.stepRom.width]] : []),
        ['valid_o', 1], ['idx_o', Pc * 4],
      ]);
      expect(text).toContain(`Latency: ${ht.latency} cycles.`);
      expect(text).toContain('`default_nettype none');
      // One signed comparison of b_in + 1 bits per lane and level.
      expect([...text.matchAll(/wire b\d+_\d+ = \$signed\(e\d+_\d+\) > \$signed\(t\d+_\d+\);/g)]).toHaveLength(Pc * 4);
      expect([...text.matchAll(/wire \[6:0\] e\d+_\d+ = /g)]).toHaveLength(Pc * 4);
      // Node registers after levels 2 and 4 (tree_levels_per_stage 2).
      for (let j = 0; j < Pc; j++) expect(text).toMatch(new RegExp(`reg  \\[1:0\\] node${j}_s1_q;[\\s\\S]*reg  \\[3:0\\] node${j}_s2_q;`));
      expect(text).toContain(`assign idx_o = {${Array.from({ length: Pc }, (_, j) => `node${Pc - 1 - j}_s2_q`).join(', ')}};`);
    }
  });

  it('pipeline: max registers the node after every level', async () => {
    const { ht, files } = await unitFiles({ ...base, pipeline: 'max' });
    expect(ht.registeredLevels).toEqual([1, 2, 3, 4]);
    const text = String(files[0].content);
    for (let s = 1; s <= 4; s++) expect(text).toContain(`reg  [${s - 1}:0] node0_s${s}_q;`);
  });

  it('the threshold ROM word of step e holds lanes e·P_c … : d split columns, then 2^d − 1 thresholds, zeros past C', async () => {
    const { layer, ht, ctx } = await unitFiles({ ...base, codebooksPerCycle: 3 });
    const words = encoderOf(layer.encoder).emit.stepRom.words(ctx.layer, ctx.encoder);
    const { C } = layer.dims;
    expect(words).toHaveLength(2);
    const per = 4 + 15;
    for (const [e, fields] of words.entries()) {
      expect(fields.reduce((w, f) => w + f.width, 0)).toBe(ht.stepRom!.width);
      expect(fields.map((f) => f.width)).toEqual(Array.from({ length: 3 }, () => [...new Array(4).fill(2), ...new Array(15).fill(7)]).flat());
      for (let j = 0; j < 3; j++) {
        const c = e * 3 + j;
        const want = c < C ? [...ht.splitDims.subarray(c * 4, c * 4 + 4), ...ht.thresholds.subarray(c * 15, c * 15 + 15)] : new Array(per).fill(0);
        expect(fields.slice(j * per, (j + 1) * per).map((f) => f.value)).toEqual(Array.from(want));
      }
    }
  });

  it('columns no level reads feed an unused_ sink (lint-clean), and reruns are byte-identical', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-ht-emit-'));
    try {
      // V = 12, depth 2: each lane splits on at most 2 of its 12 columns.
      const a = await writeRandomLayer(join(dir, 'a'), { ...base, V: 12, K: 4, hashTree: { ...base.hashTree!, depth: 2 } });
      const out = join(dir, 'rtl');
      const snapshot = async () => {
        const files = new Map<string, Buffer>();
        for (const n of (await readdir(out)).sort()) files.set(n, await readFile(join(out, n)));
        return files;
      };
      const first = await genRtl({ ...a, out });
      const one = await snapshot();
      await genRtl({ ...a, out });
      const two = await snapshot();
      const unit = one.get(`${hashTreeOf(first.plan.layers[0] as LutLinearPlan).module}.v`)!.toString();
      expect(unit).toMatch(/wire unused_sub = \^\{ sub_i\[/);
      expect([...two.keys()]).toEqual([...one.keys()]);
      for (const [n, bytes] of one) expect(two.get(n)!.equals(bytes), n).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
