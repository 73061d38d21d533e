/** `lutnn gen-rtl`: artifact + hardware config → RTL folder. */
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { genRtl } from '../gen-rtl.ts';
import { PROJECT_ROOT } from '../emit/render.ts';
import { layerKindOf } from '../kinds/registry.ts';
import { loadWordCount } from '../plan/load-map.ts';
import type { DesignPlan, PortSpec } from '../plan/types.ts';
import { makeReporter } from './progress.ts';

export const BUNDLED_EXAMPLE = {
  model: join(PROJECT_ROOT, 'examples', 'lut_linear_64x32', 'model.json'),
  config: join(PROJECT_ROOT, 'examples', 'lut_linear_64x32', 'hw.yaml'),
  out: join(PROJECT_ROOT, 'rtl-out', 'example'),
};

export function genRtlCommand(program: Command): void {
  program
    .command('gen-rtl')
    .description('Generate Verilog for a LUT-NN artifact. Without --model, generates the bundled example.')
    .option('-m, --model <model.json>', 'artifact manifest (format v1, docs/artifact-format.md)')
    .option('-c, --config <hw.yaml>', 'hardware configuration (docs/hw-config.md); defaults apply without it')
    .option('-o, --out <dir>', 'output folder, replaced atomically (default: rtl-out/<model name>)')
    .option('--force', 'generate past the size limits (docs/hw-config.md, "Size limits")')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText(
      'after',
      '\nExamples:\n  npx lutnn gen-rtl\n  npx lutnn gen-rtl --model model.json --config hw.yaml --out rtl-out/my_layer\n',
    )
    .action(async (opts: { model?: string; config?: string; out?: string; force?: boolean; quiet?: boolean }) => {
      const useExample = opts.model === undefined;
      const model = opts.model ?? BUNDLED_EXAMPLE.model;
      const config = opts.config ?? (useExample ? BUNDLED_EXAMPLE.config : undefined);
      const out = opts.out ?? (useExample ? BUNDLED_EXAMPLE.out : undefined);
      const report = makeReporter(opts.quiet === true);
      const result = await genRtl({ model, config, out, force: opts.force === true, onStage: (s) => report.stage(s) });
      const shown = relative(process.cwd(), result.outDir) || '.';
      report.done(`wrote ${result.files.length} files to ${shown}`);
      if (!opts.quiet) process.stdout.write(describeDesign(result.plan, shown));
    });
}

function describePort(p: PortSpec): string {
  if (!p.beat) return `${p.elements} x INT${p.bits} per handshake`;
  const { elementsPerBeat, beats, laneBits } = p.beat;
  const lanes = laneBits === p.bits ? '' : ` in ${laneBits}-bit lanes`;
  return `${beats} beat(s) of ${elementsPerBeat} x INT${p.bits}${lanes} (${elementsPerBeat * laneBits}-bit bus)`;
}

/** The design's ports: whole vectors or beats, AXI4-Stream or not. */
function describePorts(plan: DesignPlan): string {
  const kind = plan.axiStream ? 'AXI4-Stream' : plan.io.input.beat || plan.io.output.beat ? 'valid/ready streams' : 'valid/ready, whole vectors';
  return `${kind}; in ${describePort(plan.io.input)}, out ${describePort(plan.io.output)}`;
}

/** The summary printed after generation: what was built and how fast it will run. */
export function describeDesign(plan: DesignPlan, shown: string): string {
  const lines = [`design     ${plan.top} (artifact ${plan.artifact.name}, sha256 ${plan.artifact.sha256.slice(0, 16)}…)`];
  for (const layer of plan.layers) lines.push(`layer      ${layerKindOf(layer).describe(layer)}`);
  lines.push(`ports      ${describePorts(plan)}`);
  if (plan.load) {
    lines.push(`load port  writable ${[...new Set(plan.load.regions.map((r) => r.memory.replace(/ \d+$/, 's').replace(/ RAM$/, 's')))].join(', ')}: ${loadWordCount(plan.load)} words in ${plan.load.regions.length} memories through load_we_i, load_addr_i[${plan.load.addressWidth - 1}:0], load_data_i[${plan.load.dataWidth - 1}:0] (address map in plan.json "load")`);
  }
  for (const layer of plan.layers) {
    const b = layer.stream?.inputBuffer;
    if (!b) continue;
    lines.push(
      b.storage === 'block'
        ? `buffer     ${layer.name}: input in block RAM, ${b.banks} banks of ${b.words} word(s) x ${b.wordElements} elements (${b.bits} bits), read a word per step`
        : `buffer     ${layer.name}: input in registers (${b.reason})`,
    );
    const fifo = 'window' in layer ? layer.window.inputFifo : undefined;
    if (fifo) lines.push(`buffer     ${layer.name}: pixel FIFO of ${fifo.depth} pixels in front of the window (${fifo.reason})`);
  }
  for (const layer of plan.layers) {
    const ix = layer.kind === 'lut_linear' ? layer.memory.index : layer.kind === 'lut_conv2d' ? layer.core.memory.index : null;
    if (ix?.storage === 'block') lines.push(`buffer     ${layer.name}: index buffer in block RAM, ${ix.depth} words x ${ix.width} bits (${ix.reason})`);
  }
  for (const layer of plan.layers) {
    const s = layer.stream;
    if (!s || s.timing.initiationInterval <= layer.timing.initiationInterval) continue;
    const side = s.input.beats >= s.output.beats ? `${s.input.beats} input beats` : `${s.output.beats} output beats`;
    lines.push(`note       ${layer.name}: its ports set the pace (${side} per vector, the core's II is ${layer.timing.initiationInterval}); less parallelism would cost less area at the same throughput`);
  }
  lines.push(
    `timing     latency ${plan.timing.latency} cycles, one vector every ${plan.timing.initiationInterval} cycles${plan.timing.startupIntervals ? ` (the first outputs' intervals ${plan.timing.startupIntervals.join(', ')}: the chain settles)` : ''}`,
    `next       npx lutnn sim ${shown} --vectors 10000 --seed 1`,
    '',
  );
  return lines.join('\n');
}
