/**
 * The command line as users meet it: help, bad input refused with a clear message (file, field,
 * expected, found), exit status 1, no stack trace and no output written or damaged.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
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

/** Runs gen-rtl and checks the refusal: exit 1, message parts, no stack, no output folder. */
async function expectRefused(model: string, parts: RegExp[], config?: string) {
  const out = join(root, 'out', `refused-${Math.random().toString(36).slice(2)}`);
  const r = await lutnn('gen-rtl', '--model', model, '--out', out, ...(config ? ['--config', config] : []));
  expect(r.exitCode).toBe(1);
  expect(r.stderr).toMatch(/^lutnn: error: /m);
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  for (const p of parts) expect(r.stderr).toMatch(p);
  expect(existsSync(out)).toBe(false);
  if (existsSync(join(root, 'out'))) expect((await readdir(join(root, 'out'))).filter((f) => f.includes('.tmp-'))).toEqual([]);
}

describe('lutnn CLI', () => {
  it('prints help for every command', async () => {
    for (const args of [['--help'], ['gen-rtl', '--help'], ['sim', '--help']]) {
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

  it('refuses a missing manifest', async () => {
    await expectRefused(join(root, 'nope', 'model.json'), [/file: .*nope\/model\.json/, /found: /]);
  });

  it('refuses bad JSON, naming the position', async () => {
    const dir = join(root, 'badjson');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'model.json'), '{"format": "lutnn-artifact",\n  "layers": [}\n');
    await expectRefused(join(dir, 'model.json'), [/model\.json/, /line 2/]);
  });

  it('refuses a wrong tensor shape', async () => {
    const t = [goodTensors[0], { ...goodTensors[1], shape: [2, 3, 2], data: goodTensors[1].data.slice(0, 12) }];
    await expectRefused(await artifactDir('shape', manifest(goodLayer), t), [/fc\.lut/, /\[2, 3, 3\]|2, 3, 3/, /m\.safetensors|model\.json/]);
  });

  it('refuses a truncated safetensors file', async () => {
    const model = await artifactDir('trunc', manifest(goodLayer));
    const st = join(root, 'trunc', 'm.safetensors');
    const bytes = await readFile(st);
    await writeFile(st, bytes.subarray(0, bytes.length - 10));
    await expectRefused(model, [/m\.safetensors/, /truncated|past the end|end of/i]);
  });

  it('refuses NaN in a tensor', async () => {
    const t = [goodTensors[0], { ...goodTensors[1], data: goodTensors[1].data.map((v, i) => (i === 4 ? Number.NaN : v)) }];
    await expectRefused(await artifactDir('nan', manifest(goodLayer), t), [/NaN/, /fc\.lut/]);
  });

  it('refuses an unknown dtype', async () => {
    const model = await artifactDir('dtype', manifest(goodLayer));
    const st = join(root, 'dtype', 'm.safetensors');
    const bytes = await readFile(st);
    const text = bytes.toString('latin1').replace('"F32"', '"Q77"');
    await writeFile(st, Buffer.from(text, 'latin1'));
    await expectRefused(model, [/Q77/, /F32/]);
  });

  for (const name of ['../x', 'a;b']) {
    it(`refuses the hostile layer name ${JSON.stringify(name)}`, async () => {
      await expectRefused(await artifactDir(`hostile${name.length}`, manifest({ ...goodLayer, name })), [/layers\[0\]\.name/, new RegExp(name.replace(/[.;]/g, '\\$&'))]);
    });
  }

  it('refuses a bad hardware config, naming the key', async () => {
    const model = await artifactDir('cfg', manifest(goodLayer));
    const cfg = join(root, 'cfg', 'hw.yaml');
    await writeFile(cfg, 'codebooks_per_cyle: 2\n');
    await expectRefused(model, [/hw\.yaml/, /codebooks_per_cyle/], cfg);
    await writeFile(cfg, 'tree_levels_per_stage: 0\n');
    await expectRefused(model, [/tree_levels_per_stage/, /found: +0/], cfg);
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

  it('refuses sim on a folder that is not a design', async () => {
    const r = await lutnn('sim', root);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/plan\.json/);
  });

  it('refuses a bad option value', async () => {
    const r = await lutnn('sim', root, '--vectors', 'lots');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--vectors/);
  });
});

describe('output folders', () => {
  it('are never written over when lutnn did not write them', async () => {
    const model = await artifactDir('guard', manifest(goodLayer));
    const mine = join(root, 'users-own-folder');
    await mkdir(mine, { recursive: true });
    await writeFile(join(mine, 'thesis.tex'), 'precious');
    const r = await lutnn('gen-rtl', '--model', model, '--out', mine);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Refusing to replace a folder that lutnn did not write[\s\S]*thesis\.tex/);
    expect(await readFile(join(mine, 'thesis.tex'), 'utf8')).toBe('precious');
  });
});
