/** `lutnn synth`, `lutnn handoff` and `lutnn compare` as users meet them: help, bad input refused, compare without synthesis. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
const EXAMPLE = join(PROJECT_ROOT, 'examples', 'lut_linear_64x32');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-synth-cli-'));
  await execa('node', [LUTNN, 'gen-rtl', '--model', join(EXAMPLE, 'model.json'), '--config', join(EXAMPLE, 'hw.yaml'), '--out', join(root, 'example'), '-q'], { cwd: root });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

function lutnn(...args: string[]) {
  return execa('node', [LUTNN, ...args], { cwd: root, reject: false });
}

describe('synth, handoff and compare commands', () => {
  it('list their options in --help', async () => {
    for (const [cmd, opt] of [['synth', '--target'], ['handoff', '--clock-ns'], ['compare', '--no-synth']]) {
      const r = await lutnn(cmd, '--help');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(opt);
    }
  });

  it('refuse an unknown target, a non-design folder and an unknown vendor with exit 1 and no stack', async () => {
    const t = await lutnn('synth', 'example', '--target', 'virtex2');
    expect(t.exitCode).toBe(1);
    expect(t.stderr).toContain('field:    --target');
    expect(t.stderr).not.toMatch(/\n\s+at /);
    const d = await lutnn('synth', 'nowhere');
    expect(d.exitCode).toBe(1);
    expect(d.stderr).toContain('plan.json');
    const v = await lutnn('handoff', 'example', '--vendor', 'libero', '-o', 'h');
    expect(v.exitCode).toBe(1);
    expect(v.stderr).toContain('expected: vivado, quartus, fusesoc');
    expect(existsSync(join(root, 'h'))).toBe(false);
    const m = await lutnn('synth', 'example', '--module', 'nope', '--no-pnr');
    expect(m.exitCode).toBe(1);
    expect(m.stderr).toContain('example_fc1_ccs');
  });

  it('synthesise one unit on a target without place-and-route, without --no-pnr, and on the ASIC target', async () => {
    // The example's requantizer lane: small enough for seconds of Yosys per target.
    for (const target of ['ecp5', 'sg13g2']) {
      const r = await lutnn('synth', 'example', '--target', target, '--module', 'example_fc1_requant', '-q', '-o', `rq-${target}`);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(`on ${target}`);
      if (target === 'sg13g2') expect(r.stdout).toMatch(/kGE \(1 GE = sg13g2_nand2_1, 7\.2576 µm²\)/);
    }
  });

  it('handoff writes a bundle', async () => {
    const r = await lutnn('handoff', 'example', '--vendor', 'vivado', '--part', 'xc7a35tcpg236-1', '--clock-ns', '5', '-o', 'handoff');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(root, 'handoff', 'build.tcl'))).toBe(true);
  });

  it('compare --no-synth generates both designs with equal cycles per vector', async () => {
    const r = await lutnn('compare', EXAMPLE, '--no-synth', '-o', 'cmp');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cycles per vector \(II\)\s+4\s+4\s+1\.00/);
    expect(existsSync(join(root, 'cmp', 'lut', 'plan.json'))).toBe(true);
    expect(existsSync(join(root, 'cmp', 'mac', 'plan.json'))).toBe(true);
  });
});
