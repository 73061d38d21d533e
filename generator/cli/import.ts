/** `lutnn import`: trained LUT-NN models in the formats trainers emit → native artifact(s). */
import { extname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { encodeSafetensors } from '../artifact/safetensors.ts';
import { parseManifest } from '../artifact/schema.ts';
import { finiteRows, readNpy, readNpz, type NumericArray } from '../convert/numpy.ts';
import { writeArtifactAtomically } from '../convert/write-artifact.ts';
import { LutnnError } from '../errors.ts';
import { inputElements, toArtifact, type ImportedModel } from '../import/imported.ts';
import { outputSize } from '../conv/unfold.ts';
import { readTopology, type Topology } from '../import/topology.ts';
import { importLutnnOnnx } from '../import/lutnn-onnx.ts';
import { importLutnnState } from '../import/lutnn-state.ts';
import { importPimDlNpz } from '../import/pim-dl-npz.ts';
import { halutToImported, importHalut } from '../import/halut.ts';
import { NNLUT_FUNCTIONS, parseQFormat } from '../nnlut/functions.ts';
import { nnlutManifestLayer, readNnlutTableFile } from '../nnlut/table-file.ts';
import { writeDirectoryAtomically, type OutputFile } from '../util/atomic-dir.ts';
import { safeName } from '../util/names.ts';
import { parseIntOption } from './options.ts';
import { makeReporter } from './progress.ts';

interface ImportOptions {
  from: string;
  out: string;
  name: string;
  calib?: string;
  scales?: number[];
  bits: number;
  tableBits: number;
  layers?: string;
  assumeLinear?: boolean;
  topology?: string;
  encoder?: string;
  features?: number;
  coefficientBits?: number;
  inFormat?: string;
  outFormat?: string;
  quiet?: boolean;
}

/**
 * Importers of LUT-NN layers (lut_linear), by the name users pass to --from. Each returns the
 * models to write: one chained model, or (PIM-DL, whose ops sit in a BERT graph) one per operator.
 */
export const LUT_IMPORTERS: Record<string, (file: string, opts: { layers?: string[]; assumeLinear?: boolean; topology?: Topology; encoder?: string; notice: (line: string) => void }) => Promise<ImportedModel[]>> = {
  'lutnn-state': async (f, o) => [await importLutnnState(f, o)],
  'lutnn-onnx': async (f, o) => {
    if (o.layers) throw new LutnnError('--layers does not apply to an ONNX graph.', { field: '--layers', expected: 'no --layers (the graph says which nodes form the model)', found: o.layers.join(',') });
    return [await importLutnnOnnx(f)];
  },
  'pim-dl-npz': (f, o) => importPimDlNpz(f, o),
  halut: async (f, o) => {
    if (o.layers && o.layers.length > 1) throw new LutnnError('A halutmatmul file holds one layer at a time.', { field: '--layers', expected: 'one layer prefix of a HalutLinear state dict', found: o.layers.join(',') });
    const model = await importHalut(f, { layer: o.layers?.[0] });
    if (o.encoder !== undefined && o.encoder !== 'hash-tree' && o.encoder !== 'ccs') throw new LutnnError('Unknown encoder.', { field: '--encoder', expected: 'hash-tree or ccs', found: JSON.stringify(o.encoder) });
    // A HalutLinear state dict holds the k-means prototypes with their table, not the tree's table.
    const encoder = o.encoder === 'ccs' || (o.encoder === undefined && !model.table) ? 'ccs' : 'hash_tree';
    if (encoder === 'ccs' && o.encoder === undefined) o.notice(`note       ${model.tableNote ?? 'the file holds no table for the hash tree'}: imported halutmatmul's argmin path (its k-means prototypes and their table) as a closest-centroid layer`);
    return [halutToImported(model, { encoder })];
  },
};

/**
 * NN-LUT table files (lutnn-nnlut or the public NN-LUT JSON) become a one-layer nnlut artifact.
 * NN-LUT JSON has no range reduction (`divide`/`invsqrt` are plain 1/x and 1/sqrt(x) tables) and
 * no number formats (--in-format/--out-format); its `op` becomes the layer's `function` and name.
 * An op lutnn does not know is kept as an informational name (the import does not need it).
 */
async function importNnlut(file: string, opts: ImportOptions): Promise<string> {
  const t = await readNnlutTableFile(file);
  const input = opts.inFormat ? parseQFormat(opts.inFormat, '--in-format') : t.input;
  const output = opts.outFormat ? parseQFormat(opts.outFormat, '--out-format') : t.output;
  if (!input || !output) {
    throw new LutnnError('The NN-LUT table has no fixed-point formats.', { file, expected: '--in-format and --out-format (e.g. q6.10), as the public NN-LUT JSON carries none', found: `input ${input ? 'given' : 'missing'}, output ${output ? 'given' : 'missing'}` });
  }
  const layer = nnlutManifestLayer({ ...t, input, output, coefficientBits: opts.coefficientBits ?? t.coefficientBits }, t.function && /^[A-Za-z]\w*$/.test(t.function) ? t.function : 'nnlut', opts.features ?? 1);
  await writeArtifactAtomically(opts.out, { format: 'lutnn-artifact', format_version: 1, name: opts.name, tensors: 'model.safetensors', description: `imported from ${file}`, layers: [layer] }, []);
  const segments = t.breakpoints.length + 1;
  const repeated = t.breakpoints.filter((b, i) => i > 0 && b === t.breakpoints[i - 1]).length;
  const known = t.function !== null && Object.hasOwn(NNLUT_FUNCTIONS, t.function);
  const fn = t.function === null ? 'no function name' : known ? `function ${t.function}` : `function ${JSON.stringify(t.function)}, unknown to lutnn: informational only (report-nnlut needs --fn)`;
  return `1 nnlut layer (${segments} segments${repeated ? `, ${repeated} empty from repeated breakpoints` : ''}, range reduction ${t.rangeReduction}, ${fn}, ${opts.features ?? 1} feature(s))`;
}

function parseScales(value: string): number[] {
  const s = value.split(',').map((v) => Number(v.trim()));
  if (s.some((v) => !(v > 0) || !Number.isFinite(v))) throw new LutnnError('Invalid value for --scales.', { field: '--scales', expected: 'comma-separated positive numbers', found: JSON.stringify(value) });
  return s;
}

/** Calibration inputs (N, D) of one model's first layer. */
function calibrationRows(a: NumericArray, model: ImportedModel, file: string, field?: string): { data: Float64Array; rows: number } {
  const D = inputElements(model.layers[0]);
  const rows = finiteRows(a, D, { file, field, what: 'calibration data', columns: `the inputs of "${model.layers[0].name}"` });
  return { data: a.data, rows };
}

/**
 * Calibration per model: an .npy for one model; for several (PIM-DL operators), an .npz with one
 * array per operator, named as the operator (or its artifact name).
 */
async function calibrationFor(models: ImportedModel[], names: string[], calib: string | undefined): Promise<({ data: Float64Array; rows: number } | undefined)[]> {
  if (!calib) return models.map(() => undefined);
  if (extname(calib).toLowerCase() === '.npz') {
    const arrays = await readNpz(calib, 'calibration data');
    return models.map((m, i) => {
      const op = m.layers[0].name;
      const a = arrays.get(names[i]) ?? arrays.get(op) ?? [...arrays].find(([k]) => safeName(k, 'op') === op)?.[1];
      if (!a) throw new LutnnError(`No calibration inputs for "${names[i]}".`, { file: calib, field: names[i], expected: `an array named after each imported operator (${names.join(', ')})`, found: `arrays ${[...arrays.keys()].join(', ') || 'none'}` });
      return calibrationRows(a, m, calib, names[i]);
    });
  }
  if (models.length > 1) {
    throw new LutnnError('One calibration array cannot calibrate several operators.', {
      file: calib,
      field: '--calib',
      expected: `--layers naming one operator, or an .npz with one array per operator (${names.join(', ')})`,
      found: `${models.length} operators and one .npy`,
    });
  }
  return [calibrationRows(await readNpy(calib, 'calibration data'), models[0], calib)];
}

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('Import a trained LUT-NN model (LUT-NN PyTorch checkpoint or state, LUT-NN ONNX, PIM-DL npz, halutmatmul, NN-LUT JSON) as a native artifact.')
    .argument('<file>', 'the trained model file')
    .requiredOption('--from <format>', `source format: ${Object.keys(LUT_IMPORTERS).join(', ')}, nnlut-json`)
    .requiredOption('-o, --out <dir>', 'artifact folder to write (model.json + model.safetensors); for several PIM-DL operators, one sub-folder each')
    .option('--name <name>', 'model name in the artifact', 'imported')
    .option('--calib <file>', 'calibration inputs (N, D) as .npy to choose the stream scales from activation ranges (.npz with one array per operator for several PIM-DL operators)')
    .option('--scales <list>', 'explicit stream scales instead: input scale, then each layer’s output scale', parseScales)
    .option('--bits <n>', 'bits of the input and of every layer output stream', parseIntOption('--bits', 2, 16), 8)
    .option('--table-bits <n>', 'bits of tables the tool quantizes (LUT-NN weight, float LUT); 8 is LUT-NN’s own INT8 table', parseIntOption('--table-bits', 2, 16), 8)
    .option('--layers <names>', 'lutnn-state: layers to import, in order; pim-dl-npz: operators to import (comma-separated)')
    .option('--assume-linear', 'lutnn-state: take every selected LUT layer as linear where the state dict cannot tell a linear layer from a convolution')
    .option('--topology <file.yaml>', 'lutnn-state: which LUT layers are convolutions (kernel, stride, padding) and the input image size (docs/convert-and-import.md, "Topology file")')
    .option('--encoder <kind>', 'halut: hash-tree (the learned MADDNESS trees; default when the file holds their table) or ccs (halutmatmul’s argmin path: k-means prototypes)')
    .option('--features <n>', 'nnlut-json: elements per vector of the nnlut layer', parseIntOption('--features', 1))
    .option('--coefficient-bits <n>', 'nnlut-json: signed width of a slope constant (default 16; steep tables such as NN-LUT’s divide need more)', parseIntOption('--coefficient-bits', 2, 24))
    .option('--in-format <q>', 'nnlut-json: input fixed-point format, e.g. q6.10 (when the file has none)')
    .option('--out-format <q>', 'nnlut-json: output fixed-point format, e.g. q6.10 (when the file has none)')
    .option('-q, --quiet', 'print only errors')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  npx lutnn import lutnn_mlp_digits.pth --from lutnn-state --calib calib.npy -o imported/\n' +
        '  npx lutnn import amm_conv1x1_state.safetensors --from lutnn-state --topology topology.yaml --scales 0.02,0.05,0.05 -o conv/\n' +
        '  npx lutnn import lutnn_mlp_digits_dpq.onnx --from lutnn-onnx --calib calib.npy -o imported/\n' +
        '  npx lutnn import tiny_bert_pimdl.npz --from pim-dl-npz --layers 0.attention.self.query --calib query_x.npy -o query/\n' +
        '  npx lutnn import halut_digits_C16_K16.npy --from halut --calib halut_calib.npy -o halut/\n',
    )
    .action(async (file: string, opts: ImportOptions) => {
      const report = makeReporter(opts.quiet === true);
      if (opts.from === 'nnlut-json') {
        report.done(`wrote ${opts.out}/model.json (${await importNnlut(file, opts)})`);
        if (!opts.quiet) process.stdout.write(`next       npx lutnn gen-rtl --model ${join(opts.out, 'model.json')} --out rtl-out/${opts.name}\n`);
        return;
      }
      const importer = LUT_IMPORTERS[opts.from];
      if (!importer) throw new LutnnError('Unknown import format.', { field: '--from', expected: [...Object.keys(LUT_IMPORTERS), 'nnlut-json'].join(', '), found: JSON.stringify(opts.from) });
      if (opts.encoder !== undefined && opts.from !== 'halut') throw new LutnnError('--encoder chooses between the encoders a halutmatmul file holds.', { field: '--encoder', expected: '--from halut (other formats hold one encoder)', found: `--from ${opts.from}` });
      if (opts.calib && opts.scales) throw new LutnnError('--calib and --scales both choose the stream scales.', { field: '--calib, --scales', expected: 'one of them', found: 'both' });
      report.stage(`reading ${opts.from}`);
      const layers = opts.layers?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (opts.topology && opts.from !== 'lutnn-state') throw new LutnnError('--topology describes a LUT-NN state dict.', { field: '--topology', expected: '--from lutnn-state (the other formats say which layers are convolutions, or hold none)', found: `--from ${opts.from}` });
      if (opts.topology && opts.assumeLinear) throw new LutnnError('--topology and --assume-linear both say what the layers are.', { field: '--topology, --assume-linear', expected: 'one of them', found: 'both' });
      const topology = opts.topology ? await readTopology(opts.topology) : undefined;
      const notices: string[] = [];
      const models = await importer(file, { layers, assumeLinear: opts.assumeLinear === true, topology, encoder: opts.encoder, notice: (l) => notices.push(l) });
      const several = models.length > 1;
      if (several && opts.scales) throw new LutnnError('--scales cannot describe several operators.', { field: '--scales', expected: '--layers naming one operator, or --calib with one array per operator', found: `${models.length} operators` });
      const names = models.map((m) => (several ? m.layers[0].name : opts.name));
      const calib = await calibrationFor(models, models.map((m) => m.label), opts.calib);
      const artifacts = models.map((m, i) => ({ dir: several ? names[i] : '', ...toArtifact(m, several ? names[i] : opts.name, { bits: opts.bits, tableBits: opts.tableBits, calibration: calib[i], scales: opts.scales }) }));
      if (several) {
        const files: OutputFile[] = [];
        for (const a of artifacts) {
          parseManifest(a.manifest, join(opts.out, a.dir, 'model.json'));
          files.push({ path: join(a.dir, 'model.json'), content: `${JSON.stringify(a.manifest, null, 2)}\n` }, { path: join(a.dir, 'model.safetensors'), content: encodeSafetensors(a.tensors) });
        }
        await writeDirectoryAtomically(opts.out, files);
      } else {
        await writeArtifactAtomically(opts.out, artifacts[0].manifest, artifacts[0].tensors);
      }
      const what = models.map((m) => m.layers.map((l) => (l.conv ? `${l.name} conv ${l.conv.kernel.join('x')} ${l.conv.height}x${l.conv.width}x${l.conv.inChannels}->${outputSize(l.conv).join('x')}x${l.M}` : `${l.name} ${l.C * l.V}->${l.M}`)).join(', ')).join('; ');
      report.done(several ? `wrote ${models.length} artifacts under ${opts.out}/ (${what})` : `wrote ${opts.out}/model.json (${models[0].layers.length} layer${models[0].layers.length > 1 ? 's' : ''}: ${what})`);
      if (!opts.quiet) {
        for (const l of notices) process.stdout.write(`${l}\n`);
        const first = several ? join(opts.out, artifacts[0].dir) : opts.out;
        process.stdout.write(`next       npx lutnn gen-rtl --model ${join(first, 'model.json')} --out rtl-out/${several ? artifacts[0].dir : opts.name}\n`);
      }
    });
}
