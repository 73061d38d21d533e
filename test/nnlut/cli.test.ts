/** `lutnn fit-nnlut` and `lutnn report-nnlut` as users run them. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-cli-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));
const lutnn = (...args: string[]) => execa('node', [LUTNN, ...args], { cwd: tmp, reject: false });

describe('fit-nnlut and report-nnlut', () => {
  it('fit a table, then report its error and write a plot', async () => {
    const table = join(tmp, 'sig8.json');
    const fit = await lutnn('fit-nnlut', '--fn', 'sigmoid', '--segments', '8', '--range=-8,8', '--in-format', 'q5.8', '--out-format', 'q2.10', '-o', table);
    expect(fit.exitCode, fit.stderr).toBe(0);
    const json = JSON.parse(await readFile(table, 'utf8'));
    expect(json.input).toEqual({ bits: 13, scale: 2 ** -8 });
    expect(json.output).toEqual({ bits: 12, scale: 2 ** -10 });
    expect(json.command).toBe(`npx lutnn fit-nnlut --fn sigmoid --segments 8 --range -8,8 --in-format q5.8 --out-format q2.10 --coefficient-bits 16 --method best --seed 1 -o ${table}`);
    expect(json.breakpoints).toHaveLength(7);
    expect([...json.breakpoints].sort((a: number, b: number) => a - b)).toEqual(json.breakpoints);
    const rep = await lutnn('report-nnlut', table, '--svg', join(tmp, 'sig8.svg'));
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/max \|e\| [0-9.e-]+, mean \|e\|/);
    expect(existsSync(join(tmp, 'sig8.svg'))).toBe(true);
    expect((await readFile(join(tmp, 'sig8.svg'), 'utf8')).slice(0, 200)).toMatch(/<svg/);
  });

  it('refuse a range the function is undefined on', async () => {
    const r = await lutnn('fit-nnlut', '--fn', 'rsqrt', '--segments', '8', '--range=-1,4', '-o', join(tmp, 'bad.json'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/lutnn: error: /);
    expect(r.stderr).toMatch(/range/i);
    expect(existsSync(join(tmp, 'bad.json'))).toBe(false);
  });

  it('report-nnlut takes --in-format/--out-format', async () => {
    const table = join(tmp, 'g4.json');
    expect((await lutnn('fit-nnlut', '--fn', 'gelu', '--segments', '4', '--range=-4,4', '--method', 'minimax', '--in-format', 'q4.6', '--out-format', 'q4.6', '-o', table)).exitCode).toBe(0);
    const rep = await lutnn('report-nnlut', table, '--in-format', 'q5.6', '--out-format', 'q4.8', '--svg', join(tmp, 'g4.svg'));
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/INT11 \(scale 0.015625\) -> INT12 \(scale 0.00390625\)/);
  });
});

describe('old-style format flags give an error naming the new ones', () => {
  it('fit-nnlut --in q6.10 --out q6.10 -o f.json (the old spelling)', async () => {
    const r = await lutnn('fit-nnlut', '--fn', 'gelu', '--in', 'q6.10', '--out', 'q6.10', '-o', join(tmp, 'old.json'));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/--out is the output file; the output format is --out-format/);
    expect(r.stderr).toMatch(/the input format is --in-format/);
    expect(existsSync(join(tmp, 'old.json'))).toBe(false);
  });
  it('fit-nnlut --out q6.10 alone, --in alone, --output', async () => {
    const out = await lutnn('fit-nnlut', '--fn', 'gelu', '--out', 'q6.10');
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/--out is the output file; the output format is --out-format \(e\.g\. --out-format q6\.10\)/);
    expect(existsSync(join(tmp, 'q6.10'))).toBe(false);
    const inp = await lutnn('fit-nnlut', '--fn', 'gelu', '--in', 'q5.8', '-o', join(tmp, 'old2.json'));
    expect(inp.exitCode).toBe(1);
    expect(inp.stderr).toMatch(/the input format is --in-format \(e\.g\. --in-format q5\.8\)/);
    const output = await lutnn('fit-nnlut', '--fn', 'gelu', '--output', join(tmp, 'old3.json'));
    expect(output.exitCode).toBe(1);
    expect(output.stderr).toMatch(/the table file is -o\/--out/);
    const twice = await lutnn('fit-nnlut', '--fn', 'gelu', '-o', join(tmp, 'a.json'), '--out', join(tmp, 'b.json'));
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/more than once/);
    for (const f of ['old2.json', 'old3.json', 'a.json', 'b.json']) expect(existsSync(join(tmp, f))).toBe(false);
  });
  it('report-nnlut --in / --out', async () => {
    const r = await lutnn('report-nnlut', join(tmp, 'sig8.json'), '--in', 'q5.8', '--out', 'q2.10');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/the output format is --out-format[\s\S]*the input format is --in-format/);
  });
});

describe('fit-nnlut -o and report-nnlut --svg never replace what lutnn did not write', () => {
  const fit = (out: string, ...extra: string[]) => lutnn('fit-nnlut', '--fn', 'tanh', '--segments', '4', '--method', 'minimax', '--in-format', 'q4.6', '--out-format', 'q4.6', '-o', out, ...extra);
  const noTemp = async () => expect((await readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

  it('-o <existing folder>: a clear error, exit 1, nothing written', async () => {
    const dir = join(tmp, 'a-folder');
    await mkdir(dir);
    const r = await fit(dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/lutnn: error: -o\/--out names a folder, not a file[\s\S]*file: +.*a-folder[\s\S]*expected: the path of the NN-LUT table file to write, e\.g\. .*a-folder\/table\.json[\s\S]*found: +an existing folder/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(await readdir(dir)).toEqual([]);
    await noTemp();
  });

  it('-o <unrelated file> or a public NN-LUT JSON: refused with file/expected/found, untouched; --force replaces it', async () => {
    const notes = join(tmp, 'notes.json');
    await writeFile(notes, '{"todo": 1}\n');
    const r = await fit(notes);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Refusing to overwrite a file lutnn did not write[\s\S]*file: +.*notes\.json[\s\S]*expected: .*lutnn-nnlut[\s\S]*--force[\s\S]*found: +a JSON object without "format"/);
    expect(await readFile(notes, 'utf8')).toBe('{"todo": 1}\n');
    const text = join(tmp, 'readme.txt');
    await writeFile(text, 'hello');
    expect((await fit(text)).stderr).toMatch(/found: +a file that is not JSON/);
    expect(await readFile(text, 'utf8')).toBe('hello');
    const nn = join(tmp, 'lut_details_gelu_H4_sub.json');
    await writeFile(nn, '{"op": "gelu", "hidden": 1, "cut_points": [-Infinity, 0.0, Infinity], "slopes": [0.0, 1.0], "biases": [0.0, 0.0]}');
    expect((await fit(nn)).stderr).toMatch(/found: +a public NN-LUT JSON table \(op "gelu"\)/);
    const forced = await fit(notes, '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(await readFile(notes, 'utf8')).format).toBe('lutnn-nnlut');
    await noTemp();
  });

  it('-o <a lutnn-nnlut table>: replaced (atomically, no temporary file left)', async () => {
    const f = join(tmp, 'again.json');
    expect((await fit(f)).exitCode).toBe(0);
    await writeFile(f, (await readFile(f, 'utf8')).replace('"method": "minimax"', '"method": "edited"'));
    const r = await fit(f);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(await readFile(f, 'utf8')).fit.method).toBe('minimax');
    await noTemp();
  });

  it('-o into a new sub-folder creates it', async () => {
    const f = join(tmp, 'new', 'sub', 't.json');
    expect((await fit(f)).exitCode).toBe(0);
    expect(existsSync(f)).toBe(true);
  });

  it('--svg: replaces its own plot, refuses a foreign SVG, a non-SVG file and a folder; --force replaces', async () => {
    const table = join(tmp, 'tanh4.json');
    expect((await fit(table)).exitCode).toBe(0);
    const report = (svg: string, ...extra: string[]) => lutnn('report-nnlut', table, '--svg', svg, ...extra);
    const own = join(tmp, 'tanh4.svg');
    expect((await report(own)).exitCode).toBe(0);
    expect((await report(own)).exitCode).toBe(0); // its own plot: replaced
    expect((await lutnn('report-nnlut', table)).exitCode).toBe(0); // the default path is the same plot
    const drawing = join(tmp, 'drawing.svg');
    await writeFile(drawing, '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>\n');
    const r = await report(drawing);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Refusing to overwrite[\s\S]*field: +--svg[\s\S]*found: +an SVG file lutnn did not write/);
    expect(await readFile(drawing, 'utf8')).toMatch(/circle/);
    const txt = join(tmp, 'plot.txt');
    await writeFile(txt, 'data');
    expect((await report(txt)).stderr).toMatch(/found: +a file that is not an SVG plot/);
    expect(await readFile(txt, 'utf8')).toBe('data');
    await mkdir(join(tmp, 'plots'));
    expect((await report(join(tmp, 'plots'))).stderr).toMatch(/--svg names a folder/);
    expect((await report(table)).stderr).toMatch(/would overwrite the table file/);
    expect((await report(drawing, '--force')).exitCode).toBe(0);
    expect(await readFile(drawing, 'utf8')).toMatch(/^<!-- lutnn report-nnlut plot/);
    await noTemp();
  });
});
