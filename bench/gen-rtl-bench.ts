/**
 * Benchmark (npm run bench): prints figures, asserts nothing.
 *
 * 1. gen-rtl on a BERT-base FFN layer shape (768→3072, V=4, K=16): wall time (whole process,
 *    as a user runs it, including Node/tsx start-up) and peak RSS, for several parallelism
 *    settings. Target: ≤ 5 s and ≤ 1 GiB.
 * 2. Simulated versus analytic cycles (latency and initiation interval) for the bundled example
 *    and for the BERT layer at modest parallelism, measured in Verilator.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLED_EXAMPLE } from '../generator/cli/gen-rtl.ts';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import { genRtl } from '../generator/gen-rtl.ts';
import { verifyDesign } from '../tb/verify.ts';
import { BERT_FFN, writeBertFfnArtifact } from './bert-ffn-artifact.ts';

const TARGET_SECONDS = 5;
const TARGET_MIB = 1024;

interface ChildResult {
  seconds: number;
  stages: Record<string, number>;
  maxRssMiB: number;
}

async function timeGenRtl(model: string, config: string, out: string): Promise<ChildResult & { processSeconds: number }> {
  const started = performance.now();
  const r = await execa('node', ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'gen-rtl-child.ts'), model, config, out], { cwd: PROJECT_ROOT });
  const processSeconds = (performance.now() - started) / 1000;
  return { ...(JSON.parse(r.stdout) as ChildResult), processSeconds };
}

const work = await mkdtemp(join(tmpdir(), 'lutnn-bench-'));
try {
  const model = await writeBertFfnArtifact(join(work, 'bert'));
  console.log(`# gen-rtl on a BERT-base FFN layer (D=${BERT_FFN.D}, M=${BERT_FFN.M}, V=${BERT_FFN.V}, K=${BERT_FFN.K})`);
  console.log('codebooks/cycle  outputs/cycle  process s  gen-rtl s  peak RSS MiB  stages (s)                                   verdict');
  const settings: [number | 'all', number][] = [
    [8, 64],
    [16, 256],
    [48, 768],
  ];
  for (const [pc, pm] of settings) {
    const config = join(work, `hw-${pc}-${pm}.yaml`);
    await writeFile(config, `codebooks_per_cycle: ${pc}\noutputs_per_cycle: ${pm}\n`);
    const r = await timeGenRtl(model, config, join(work, `rtl-${pc}-${pm}`));
    const stages = Object.entries(r.stages)
      .map(([k, v]) => `${k.split(' ')[0]} ${v.toFixed(2)}`)
      .join(', ');
    const ok = r.processSeconds <= TARGET_SECONDS && r.maxRssMiB <= TARGET_MIB;
    console.log(
      `${String(pc).padStart(15)}  ${String(pm).padStart(13)}  ${r.processSeconds.toFixed(2).padStart(9)}  ${r.seconds.toFixed(2).padStart(9)}  ${r.maxRssMiB.toFixed(0).padStart(12)}  ${stages.padEnd(44)} ${ok ? 'within target' : 'OVER TARGET'}`,
    );
  }
  console.log(`(target: <= ${TARGET_SECONDS} s and <= ${TARGET_MIB} MiB per run)\n`);

  console.log('# simulated versus analytic cycles (Verilator, no input gaps, no back-pressure)');
  console.log('design                         latency sim/plan   II sim/plan   build s   match');
  const designs: [string, string, string, string][] = [
    ['example (64->32)', BUNDLED_EXAMPLE.model, BUNDLED_EXAMPLE.config, join(work, 'sim-example')],
    ['bert ffn, 8 cb x 64 out', model, join(work, 'hw-8-64.yaml'), join(work, 'sim-bert')],
  ];
  for (const [label, m, c, out] of designs) {
    await genRtl({ model: m, config: c, out });
    const r = await verifyDesign(out, { vectors: 24, seed: 1, gapProbability: 0, stallProbability: 0 });
    const t = r.timing!;
    console.log(
      `${label.padEnd(30)} ${`${t.measuredLatency}/${t.planLatency}`.padStart(17)}   ${`${t.measuredIntervals.join(',')}/${t.planII}`.padStart(11)}   ${r.build.buildSeconds.toFixed(1).padStart(7)}   ${t.ok && r.ok ? 'yes' : 'NO'}`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
