/**
 * The CCS emitters (encoders/ccs/emit*.ts, templates/encoders/ccs/): the unit's port list is the
 * seam's, the module files follow the pipeline and centroid storage, and the step ROM holds the
 * centroids (and l2 norms) of each encode step. Bit-exactness of the RTL: test/rtl.
 */
import { describe, expect, it } from 'vitest';
import { encoderOf } from '../../../generator/encoders/registry.ts';
import { layerParams } from '../../../generator/emit/lut-linear/common.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import type { RandomLayerSpec } from '../../support/random-layer.ts';
import { ccsOf } from '../../support/reference-check.ts';

const base: RandomLayerSpec = {
  K: 5, V: 3, C: 4, M: 3, inBits: 6, outBits: 8, tableBits: 8, metric: 'l2', activation: 'none', source: 'float', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 'all', outputsPerCycle: 'all', treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 21,
};

async function unitFiles(spec: RandomLayerSpec) {
  const { design } = await planRandomLayer(spec);
  const layer = design.layers[0] as LutLinearPlan;
  const ctx = { design, layer, encoder: layer.encoder, params: layerParams(layer) };
  return { layer, ccs: ccsOf(layer), ctx, files: encoderOf(layer.encoder).emit.files(ctx) };
}

describe('CCS emitters', () => {
  it('the unit has the seam’s ports: clk_i, rst_ni, valid_i, sub_i, [centroids_i], valid_o, idx_o', async () => {
    for (const codebooksPerCycle of ['all', 2] as const) {
      const { layer, ccs, files } = await unitFiles({ ...base, codebooksPerCycle });
      const unit = files[0];
      expect(unit.path).toBe(`${ccs.module}.v`);
      const ports = [...String(unit.content).matchAll(/^\s+(input|output)\s+wire\s+(?:\[(\d+):0\]\s+)?(\w+)/gm)].map((m) => [m[3], m[2] === undefined ? 1 : Number(m[2]) + 1]);
      const Pc = layer.parallel.codebooksPerCycle;
      expect(ports).toEqual([
        ['clk_i', 1], ['rst_ni', 1], ['valid_i', 1], ['sub_i', Pc * layer.dims.V * layer.input.bits],
        ...(ccs.stepRom ? [['centroids_i', ccs.stepRom.width]] : []),
        ['valid_o', 1], ['idx_o', Pc * ccs.indexWidth],
      ]);
      expect(String(unit.content)).toContain(`Latency: ${ccs.latency} cycles.`);
    }
  });

  it('pipeline: max adds the input copies and one distance module (ROM) or one per constant centroid', async () => {
    expect((await unitFiles(base)).files).toHaveLength(1);
    const constant = await unitFiles({ ...base, pipeline: 'max' });
    expect(constant.files.map((f) => f.path)).toEqual([`${constant.ccs.module}.v`, `${constant.ccs.fanoutModule}.v`, ...Array.from({ length: 4 * 5 }, (_, i) => `${constant.ccs.distanceModule}_${Math.floor(i / 5)}_${i % 5}.v`)]);
    const rom = await unitFiles({ ...base, pipeline: 'max', codebooksPerCycle: 2 });
    expect(rom.files.map((f) => f.path)).toEqual([`${rom.ccs.module}.v`, `${rom.ccs.fanoutModule}.v`, `${rom.ccs.distanceModule}.v`]);
  });

  it('the centroid ROM word of step e holds lanes e·P_c … in order: V coordinates, then the l2 norm', async () => {
    const { layer, ccs, ctx } = await unitFiles({ ...base, codebooksPerCycle: 3 });
    const words = encoderOf(layer.encoder).emit.stepRom.words(ctx.layer, ctx.encoder);
    const { C, K, V } = layer.dims;
    expect(words).toHaveLength(2);
    for (const [e, fields] of words.entries()) {
      expect(fields.reduce((w, f) => w + f.width, 0)).toBe(ccs.stepRom!.width);
      for (let j = 0; j < 3; j++) {
        const c = e * 3 + j;
        for (let k = 0; k < K; k++) {
          const at = (j * K + k) * (V + 1);
          const want = c < C ? [...ccs.centroids.subarray((c * K + k) * V, (c * K + k + 1) * V), ccs.norms[c * K + k]] : new Array(V + 1).fill(0);
          expect(fields.slice(at, at + V + 1).map((f) => f.value)).toEqual(Array.from(want));
        }
      }
    }
  });
});
