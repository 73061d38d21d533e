/**
 * LUT-NN CNN versus a MAC-array CNN of the same throughput (npm run bench:cnn-mac).
 *
 * The two CNNs differ only in the core behind each convolution's window: the window generators,
 * line buffers and max pools are the same hardware in both. So the LUT-NN CNN is synthesised whole
 * (every module counted), each lut_conv2d layer's patch core is synthesised as a module of that
 * design (its modules in the whole design's report), and each patch layer is also built as the MAC-array baseline (gen-mac: dense INT8 weights,
 * as many input steps as the LUT core has encode steps, so the same cycles per patch):
 *
 *   MAC CNN = LUT-NN CNN − Σ LUT-NN patch cores + Σ MAC patch cores
 *
 * Both CNNs then take the same cycles per frame, so area × cycles compares as area. Prints a table
 * per target and writes bench/cnn-mac.md.
 *
 *   npm run bench:cnn-mac [-- --model rtl-out/mnist-cnn-work/mnist_cnn/model.json --config examples/mnist-cnn/hw.yaml --targets ecp5,ice40-up5k,sg13g2]
 *
 * The default model is the one `npm run mnist-cnn` converts; run that first.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import { genMac } from '../generator/gen-mac.ts';
import { genRtl } from '../generator/gen-rtl.ts';
import type { SynthReport } from '../generator/synth/report.ts';
import type { ResourceCounts } from '../generator/synth/targets.ts';
import { synthDesign } from '../generator/synth/run.ts';
import type { TargetName } from '../generator/synth/targets.ts';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: join(PROJECT_ROOT, 'rtl-out', 'mnist-cnn-work', 'mnist_cnn', 'model.json') },
    config: { type: 'string', default: join(PROJECT_ROOT, 'examples', 'mnist-cnn', 'hw.yaml') },
    targets: { type: 'string', default: 'ecp5,ice40-up5k,sg13g2' },
    out: { type: 'string', default: join(PROJECT_ROOT, 'bench', 'cnn-mac.md') },
  },
});
const COMMAND = 'npm run bench:cnn-mac';
const WORK = join(PROJECT_ROOT, 'rtl-out', 'bench-cnn-mac');
const t0 = Date.now();
const log = (s: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);

interface ManifestLayer {
  name: string;
  kind: string;
  [key: string]: unknown;
}

/** The patch layer of a lut_conv2d manifest entry as a lut_linear artifact of its own (the same tensors). */
async function patchArtifact(modelPath: string, manifest: { tensors?: string; name: string }, layer: ManifestLayer, dir: string): Promise<string> {
  const { in_channels, out_channels, height: _h, width: _w, kernel_size, stride: _s, padding: _p, kind: _k, ...rest } = layer as ManifestLayer & { in_channels: number; out_channels: number; kernel_size: [number, number] };
  const linear = { ...rest, kind: 'lut_linear', in_features: in_channels * kernel_size[0] * kernel_size[1], out_features: out_channels };
  await mkdir(dir, { recursive: true });
  const tensors = manifest.tensors ?? 'model.safetensors';
  await copyFile(join(modelPath, '..', tensors), join(dir, tensors));
  const out = join(dir, 'model.json');
  await writeFile(out, `${JSON.stringify({ ...manifest, name: `${manifest.name}_${layer.name}`, description: `patch layer of ${layer.name} (${COMMAND})`, layers: [linear] }, null, 2)}\n`);
  return out;
}

/**
 * The layer's knobs from the CNN's config (global ones it may inherit, then its own), with a whole
 * patch per beat as the core has it; nothing that would add ports or wrappers (AXI-Stream).
 */
async function patchConfig(configPath: string, layer: string, dir: string): Promise<string> {
  const { parse, stringify } = await import('yaml');
  const cfg = (parse(await readFile(configPath, 'utf8')) ?? {}) as Record<string, unknown> & { layers?: Record<string, unknown> };
  const own = { ...((cfg.layers?.[layer] as object | undefined) ?? {}) };
  const inherited = Object.fromEntries(Object.entries(cfg).filter(([k]) => !['layers', 'io', 'axi_stream', 'elements_per_beat', 'input_buffer'].includes(k)));
  const out = join(dir, 'hw.yaml');
  await writeFile(out, stringify({ ...inherited, io: 'parallel', layers: { [layer]: own } }));
  return out;
}

const RESOURCES = ['LUT', 'FF', 'BRAM', 'DSP'] as const;
type Counts = Partial<Record<(typeof RESOURCES)[number], number>> & { kGE?: number };

function countsOf(r: SynthReport): Counts {
  const c: Counts = {};
  for (const k of RESOURCES) c[k] = (r.total as ResourceCounts)[k] ?? 0;
  if (r.asic) c.kGE = r.asic.kGE;
  return c;
}

/** The cells of a core inside the whole design (its modules `<prefix>_*`, hierarchy kept), so both sides of the subtraction come from one synthesis. */
function moduleCounts(r: SynthReport, prefix: string): Counts {
  const mods = r.modules.filter((m) => m.module.startsWith(`${prefix}_`));
  const c: Counts = {};
  for (const k of RESOURCES) c[k] = mods.reduce((n, m) => n + ((m.counts as ResourceCounts)[k] ?? 0), 0);
  if (r.asic) c.kGE = (mods.reduce((n, m) => n + (m.areaUm2 ?? 0), 0) / r.asic.nand2AreaUm2) / 1000;
  return c;
}

async function main(): Promise<void> {
  const targets = args.targets!.split(',') as TargetName[];
  const manifest = JSON.parse(await readFile(args.model!, 'utf8')) as { name: string; tensors?: string; layers: ManifestLayer[] };
  const convs = manifest.layers.filter((l) => l.kind === 'lut_conv2d');
  if (convs.length === 0) throw new Error(`${args.model}: no lut_conv2d layer`);
  const lutDir = join(WORK, 'lut');
  const cnn = await genRtl({ model: args.model!, config: args.config!, out: lutDir });
  const framesCycles = cnn.plan.timing.initiationInterval;
  const cores: { layer: string; lutPrefix: string; macDir: string; lutII: number; macII: number }[] = [];
  for (const l of convs) {
    const dir = join(WORK, `patch-${l.name}`);
    const model = await patchArtifact(args.model!, manifest, l, join(dir, 'artifact'));
    const config = await patchConfig(args.config!, l.name, dir);
    const mac = await genMac({ model, config, out: join(dir, 'mac'), regenerateCommand: `${COMMAND} (patch layer ${l.name})` });
    const plan = cnn.plan.layers.find((p) => p.name === l.name);
    if (plan?.kind !== 'lut_conv2d') throw new Error(`no plan of ${l.name}`);
    const lutII = plan.core.timing.initiationInterval;
    const macII = mac.plan.timing.initiationInterval;
    // The comparison holds only at equal cycles per patch.
    if (lutII !== macII) throw new Error(`${l.name}: the MAC core takes ${macII} cycles per patch, the LUT-NN core ${lutII}`);
    cores.push({ layer: l.name, lutPrefix: plan.core.modules.top.replace(/_top$/, ''), macDir: join(dir, 'mac'), lutII, macII });
  }
  const sections: string[] = [];
  for (const target of targets) {
    log(`${target}: LUT-NN CNN`);
    const whole = (await synthDesign(lutDir, { target, pnr: false, onStage: (s) => log(`  ${s}`) })).report;
    const lutCnn = countsOf(whole);
    const rows: string[] = [];
    let lutCores: Counts = {};
    let macCores: Counts = {};
    const add = (a: Counts, b: Counts): Counts => Object.fromEntries([...RESOURCES, 'kGE'].filter((k) => (a as Record<string, number>)[k] !== undefined || (b as Record<string, number>)[k] !== undefined).map((k) => [k, ((a as Record<string, number>)[k] ?? 0) + ((b as Record<string, number>)[k] ?? 0)]));
    for (const c of cores) {
      const lut = moduleCounts(whole, c.lutPrefix);
      log(`${target}: ${c.layer} MAC core`);
      const mac = countsOf((await synthDesign(c.macDir, { target, pnr: false })).report);
      lutCores = add(lutCores, lut);
      macCores = add(macCores, mac);
      rows.push(`| ${c.layer} patch core (II ${c.lutII} / ${c.macII}) | ${fmtCounts(lut)} | ${fmtCounts(mac)} | ${ratio(lut, mac)} |`);
    }
    const macCnn: Counts = Object.fromEntries(Object.keys(lutCnn).map((k) => [k, (lutCnn as Record<string, number>)[k] - ((lutCores as Record<string, number>)[k] ?? 0) + ((macCores as Record<string, number>)[k] ?? 0)]));
    rows.push(`| **whole CNN** (${framesCycles} cycles per frame planned, both) | ${fmtCounts(lutCnn)} | ${fmtCounts(macCnn)} | ${ratio(lutCnn, macCnn)} |`);
    const section = [`### ${target}`, '', '| part | LUT-NN | MAC array | LUT-NN / MAC |', '|---|---|---|---|', ...rows].join('\n');
    process.stdout.write(`${section}\n\n`);
    sections.push(section);
  }
  const doc = [
    '# LUT-NN CNN versus a MAC-array CNN of the same throughput',
    '',
    `Produced by \`${COMMAND}\` (bench/cnn-mac.ts) on ${args.model!.replace(`${PROJECT_ROOT}/`, '')} with ${args.config!.replace(`${PROJECT_ROOT}/`, '')}, ${((Date.now() - t0) / 60000).toFixed(0)} min. Yosys (YoWASP) synthesis, no place-and-route.`,
    'The two CNNs share the window generators, line buffers and max pools; they differ in the core behind each convolution. MAC CNN = LUT-NN CNN − Σ LUT-NN patch cores (their modules in the whole design\'s synthesis, hierarchy kept) + Σ MAC patch cores (each synthesised as its own design, with its input register and output FIFO as the LUT-NN core has them), each MAC core (gen-mac, dense INT8 weights) taking as many cycles per patch as the LUT-NN core it replaces (II LUT-NN / MAC in the table), so both CNNs take the same cycles per frame and area × cycles compares as area.',
    'Counts: LUT4 (or LUT6), flip-flops, block RAMs, DSPs; kGE on sg13g2 (NAND2 equivalents).',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
  await writeFile(args.out!, doc);
  log(`wrote ${args.out}`);
}

function fmtCounts(c: Counts): string {
  if (c.kGE !== undefined) return `${c.kGE.toFixed(1)} kGE`;
  return RESOURCES.map((k) => `${(c[k] ?? 0).toLocaleString('en')} ${k}`).join(', ');
}

function ratio(a: Counts, b: Counts): string {
  if (a.kGE !== undefined && b.kGE) return (a.kGE / b.kGE).toFixed(2);
  const parts = RESOURCES.filter((k) => (b[k] ?? 0) > 0).map((k) => `${k} ${((a[k] ?? 0) / b[k]!).toFixed(2)}`);
  return parts.join(', ') || '–';
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
