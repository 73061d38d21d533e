/**
 * The verbatim real NN-LUT divide table (H = 10) through the whole flow: `lutnn import --from
 * nnlut-json` → gen-rtl → Verilator, bit-exact against the golden model for every one of the
 * 65,536 q12.4 inputs (what `lutnn sim --exhaustive` runs). At q12.4 two of its cut points
 * (3.43404 and 3.43552) round to the same input integer, so the RTL holds an empty segment too.
 * Needs Verilator (like test/rtl).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { emptySegmentCount } from '../../generator/nnlut/report.ts';
import { nnlutTableOf } from '../../generator/plan/nnlut.ts';
import type { NnlutPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { REAL_DIVIDE_H10_TEXT } from '../support/nnlut-real-tables.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-real-rtl-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('real NN-LUT divide table in RTL', () => {
  it('imports, generates and is bit-exact on every q12.4 input', async () => {
    const started = performance.now();
    const table = join(tmp, 'lut_details_divide_H10_sub.json');
    await writeFile(table, REAL_DIVIDE_H10_TEXT);
    const art = join(tmp, 'divide');
    const imp = await execa('node', [join(PROJECT_ROOT, 'bin', 'lutnn.js'), 'import', table, '--from', 'nnlut-json', '--in-format', 'q12.4', '--out-format', 'q2.14', '--name', 'divide10', '-o', art], { reject: false });
    expect(imp.exitCode, imp.stderr).toBe(0);
    const out = join(tmp, 'rtl');
    const { plan } = await genRtl({ model: join(art, 'model.json'), out });
    const layer = plan.layers[0] as NnlutPlan;
    expect(layer).toMatchObject({ kind: 'nnlut', rangeReduction: 'none', dims: { segments: 11 } });
    expect(emptySegmentCount(nnlutTableOf(layer))).toBe(1);
    const r = await verifyDesign(out, { vectors: 0, seed: 1, exhaustive: true });
    expect(r.vectors).toBe(65536);
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    expect(r.timing?.ok).toBe(true);
    console.log(`real divide H10: import + gen-rtl + Verilator build + 65,536-input run in ${((performance.now() - started) / 1000).toFixed(1)} s (build ${r.build.buildSeconds.toFixed(1)} s)`);
  });
});
