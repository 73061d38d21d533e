/** `lutnn fit-nnlut` and `lutnn report-nnlut` as users run them. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
    const fit = await lutnn('fit-nnlut', '--fn', 'sigmoid', '--segments', '8', '--range=-8,8', '--in', 'q5.8', '--out', 'q2.10', '-o', table);
    expect(fit.exitCode, fit.stderr).toBe(0);
    const json = JSON.parse(await readFile(table, 'utf8'));
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
});
