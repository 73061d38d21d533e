/**
 * The command line as users meet it: help, a good artifact generated, a failed run that leaves the
 * previous output as it was. Bad input (each refusal with file, field, expected, found, exit 1,
 * nothing written) is tested case by case in bad-input.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-cli-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

function lutnn(...args: string[]) {
  return execa('node', [LUTNN, ...args], { cwd: root, reject: false });
}

const goodLayer = {
  name: 'fc', kind: 'lut_linear', in_features: 4, out_features: 3, num_codebooks: 2, num_centroids: 3, subvector_len: 2,
  input: { bits: 8, scale: 0.1 }, output: { bits: 8, scale: 0.1 },
  tensors: { centroids: 'fc.c', lut: 'fc.lut' },
};
const goodTensors = [
  { name: 'fc.c', dtype: 'F32' as const, shape: [2, 3, 2], data: [0, 0, 1, 1, -1, 0.5, 0.2, 0.3, -0.4, 0.1, 0, 1] },
  { name: 'fc.lut', dtype: 'F32' as const, shape: [2, 3, 3], data: Array.from({ length: 18 }, (_, i) => (i % 7) - 3) },
];
const manifest = (layer: object, extra: object = {}) => ({ format: 'lutnn-artifact', format_version: 1, name: 'm', tensors: 'm.safetensors', layers: [layer], ...extra });

async function artifactDir(name: string, m: object, tensors = goodTensors): Promise<string> {
  return writeArtifact(join(root, name), m, tensors);
}

describe('lutnn CLI', () => {
  it('prints help for every command', async () => {
    for (const args of [['--help'], ...['gen-rtl', 'sim', 'convert', 'import', 'synth', 'handoff', 'compare', 'fit-nnlut', 'report-nnlut'].map((c) => [c, '--help'])]) {
      const r = await lutnn(...args);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/Usage: lutnn/);
    }
  });

  it('generates a design from a good artifact', async () => {
    const model = await artifactDir('good', manifest(goodLayer));
    const out = join(root, 'out', 'good');
    const r = await lutnn('gen-rtl', '--model', model, '--out', out);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(out, 'plan.json'))).toBe(true);
    expect(existsSync(join(out, 'm_fc_top.v'))).toBe(true);
  });

  it('leaves an existing output folder untouched when generation fails', async () => {
    const model = await artifactDir('keep', manifest(goodLayer));
    const out = join(root, 'out', 'keep');
    expect((await lutnn('gen-rtl', '--model', model, '--out', out)).exitCode).toBe(0);
    const before = await readFile(join(out, 'plan.json'), 'utf8');
    const bad = await artifactDir('keep-bad', manifest({ ...goodLayer, in_features: 5 }));
    const r = await lutnn('gen-rtl', '--model', bad, '--out', out);
    expect(r.exitCode).toBe(1);
    expect(await readFile(join(out, 'plan.json'), 'utf8')).toBe(before);
  });
});
