/**
 * The stream input buffer and the index buffer in registers against block RAM (hw.yaml
 * input_buffer, index_buffer), measured on the
 * 256→256 layer (hash tree, K = 16, V = 4, 1 codebook and 16 outputs per cycle, II 1024) with
 * stream ports of 2 × INT8, LUT-NN and its MAC baseline synthesised in the same run
 * (`lutnn compare`'s code path):
 *
 *   npm run bench:input-buffer [-- --target ecp5 --out bench/input-buffer.md]
 *
 * Prints and writes one table: LUT, FF, block RAM and DSP of both designs per buffer setting
 * (both in registers; the input in block RAM; both in block RAM), and the LUT-NN / MAC ratios. The
 * MAC array has no index buffer: its rows for the last two settings are the same design.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareLayer } from '../generator/compare.ts';
import { DESIGNS, generateVariants } from './encoder-designs.ts';

const { values: args } = parseArgs({ options: { target: { type: 'string', default: 'ecp5' }, out: { type: 'string', default: 'bench/input-buffer.md' } } });
const WORK = join('rtl-out', 'bench-input-buffer');
const COMMAND = `npm run bench:input-buffer -- --target ${args.target}`;
const started = Date.now();
const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);

async function run(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  const spec = DESIGNS.l256;
  log('converting the 256→256 layer');
  await generateVariants(spec, WORK, COMMAND);
  const model = join(WORK, `${spec.name}-hash-tree-artifact`, 'model.json');
  const lines = [
    `# Stream input buffer and index buffer: registers or block RAM (${args.target})`,
    '',
    `Measured by \`${COMMAND}\` on ${new Date().toISOString().slice(0, 10)}: ${spec.what}, \`io: stream\`, \`elements_per_beat: 2\`; LUT-NN and its MAC baseline of equal throughput, both synthesised in this run.`,
    '',
    '| input_buffer | index_buffer | design | LUT | FF | BRAM | DSP | latency | II |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const ratios: string[] = [];
  const settings = [
    ['registers', 'registers'],
    ['block', 'registers'],
    ['block', 'block'],
  ] as const;
  for (const [input, index] of settings) {
    const key = `${input}-${index}`;
    const config = join(WORK, `l256-stream-${key}.yaml`);
    await writeFile(config, `${spec.hw}io: stream\nelements_per_beat: 2\ninput_buffer: ${input}\nindex_buffer: ${index}\n`);
    log(`input_buffer: ${input}, index_buffer: ${index}: compare on ${args.target}`);
    const r = await compareLayer({ model, config, target: args.target!, out: join(WORK, `compare-${key}`), onStage: (s) => log(`  ${s}`) });
    for (const [name, side] of [['LUT-NN', r.lut], ['MAC array', r.mac]] as const) {
      const t = side.synth!.report.total;
      lines.push(`| ${input} | ${name === 'LUT-NN' ? index : '-'} | ${name} | ${t.LUT} | ${t.FF} | ${t.BRAM} | ${t.DSP} | ${side.latency} | ${side.ii} |`);
    }
    ratios.push(`- input ${input}, index ${index}: LUT-NN / MAC ${r.rows.map((x) => `${x.metric} ${x.ratio === null ? '-' : x.ratio.toFixed(2)}`).join(', ')}`);
  }
  const text = `${[...lines, '', ...ratios].join('\n')}\n`;
  process.stdout.write(text);
  await writeFile(args.out!, text);
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
