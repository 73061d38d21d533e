/** The nnlut estimate (synth/estimate-nnlut.ts): its units, and where its multiplier goes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { NnlutPlan } from '../../generator/plan/types.ts';
import { estimateNnlut } from '../../generator/synth/estimate-nnlut.ts';
import { TARGETS } from '../../generator/synth/targets.ts';
import { interpolate, writeNnlutArtifact } from '../support/nnlut-artifact.ts';

async function planned(f: (x: number) => number, segments: number): Promise<NnlutPlan> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-est-'));
  try {
    const knots = interpolate(f, -4, 4, segments);
    const a = await writeNnlutArtifact(dir, { features: 6, inBits: 10, inScale: 1 / 64, outBits: 10, outScale: 1 / 64, rangeReduction: 'none', coefficientBits: 16, ...knots, lanes: 3, stages: 2 });
    return planDesign(await loadArtifact(a.model), await loadHwConfig(a.config), { manifest: a.model, regenerateCommand: 'test' }).layers[0] as NnlutPlan;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('nnlut estimate', () => {
  it('counts top, lanes and FIFO; a lane multiplier is a DSP where the flow maps them', async () => {
    const p = await planned(Math.tanh, 8);
    const hx = estimateNnlut(p, TARGETS['ice40-hx8k']);
    expect(hx.map((u) => u.module)).toEqual([p.modules.top, p.modules.lane, p.modules.outFifo]);
    expect(hx[0]).toMatchObject({ latency: p.timing.latency, ii: p.timing.initiationInterval });
    expect(hx[1]).toMatchObject({ DSP: 0, latency: p.timing.laneLatency });
    const up5k = estimateNnlut(p, TARGETS['ice40-up5k']);
    expect(up5k[1].DSP).toBe(3);
    expect(up5k[1].LUT).toBeLessThan(hx[1].LUT);
  });

  it('one power-of-two slope for every segment is a shift: no multiplier', async () => {
    const linear = await planned((x) => x / 2, 4);
    expect(new Set(linear.table.slopes).size).toBe(1);
    const curved = await planned(Math.tanh, 4);
    expect(estimateNnlut(linear, TARGETS['ice40-hx8k'])[1].LUT).toBeLessThan(estimateNnlut(curved, TARGETS['ice40-hx8k'])[1].LUT);
    expect(estimateNnlut(linear, TARGETS.ecp5)[1].DSP).toBe(0);
    expect(estimateNnlut(curved, TARGETS.ecp5)[1].DSP).toBe(3);
  });
});
