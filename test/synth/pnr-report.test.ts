/**
 * Issue 11: the Yosys report is on disk before nextpnr starts, nextpnr shows its phase and elapsed
 * time while it runs, and a place-and-route that is stopped (time limit, interruption) leaves the
 * synthesis report with the reason; `lutnn synth` then exits 1 with a LutnnError. On a tiny layer
 * (Yosys about 10 s), nextpnr never runs to the end here, so the test stays short.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { SynthReport } from '../../generator/synth/report.ts';
import { synthDesign } from '../../generator/synth/run.ts';
import { writeRandomLayer } from '../support/random-layer.ts';
import { TINY_SPEC } from './small-design.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let root: string;
let design: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-pnr-report-'));
  const a = await writeRandomLayer(join(root, 'art'), TINY_SPEC);
  design = join(root, 'tiny');
  await genRtl({ ...a, out: design });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as SynthReport;

describe('place-and-route reporting', () => {
  it('writes the Yosys report before nextpnr starts, shows progress, and records an interruption', async () => {
    const out = join(root, 'interrupted');
    const stages: string[] = [];
    let pending: SynthReport | null = null;
    const stop = new AbortController();
    const r = await synthDesign(design, {
      target: 'ice40-hx8k',
      out,
      signal: stop.signal,
      progressIntervalSeconds: 0.2,
      onStage: (s) => {
        stages.push(s);
        // The stage that announces nextpnr comes after the report was written.
        if (s.startsWith('nextpnr-ice40 place and route')) pending = readReport(out);
        // Stop once nextpnr is placing: enough to see phases and heartbeats.
        if (/^nextpnr: (placing|routing)/.test(s)) stop.abort();
      },
    });
    expect(pending, 'report.json existed when nextpnr started').not.toBeNull();
    const p = pending as unknown as SynthReport;
    expect(p.pnrStatus).toBe('pending');
    expect(p.pnr).toBeNull();
    expect(p.pnrTimeLimitSeconds).toBe(300);
    expect(p.total.LUT).toBeGreaterThan(50);
    expect(p.total).toEqual(r.report.total);
    expect(p.estimate).not.toBeNull();
    expect(p.modules.length).toBeGreaterThan(2);
    expect(stages.find((s) => s.startsWith('nextpnr-ice40'))).toMatch(/^nextpnr-ice40 place and route at 175 MHz, time limit 300 s \(synthesis report already in .*interrupted\)$/);

    // Progress: a phase with the elapsed time and the limit, repeated while it lasts (heartbeat).
    const pnrLines = stages.filter((s) => s.startsWith('nextpnr: '));
    for (const s of pnrLines) expect(s).toMatch(/^nextpnr: [a-z ]+( \(.+\))?, \d+ s of 300 s$/);
    expect(pnrLines.some((s) => s.startsWith('nextpnr: packing'))).toBe(true);
    const phases = pnrLines.map((s) => s.replace(/^nextpnr: ([a-z ]+).*$/, '$1'));
    expect(phases.some((ph, i) => i > 0 && ph === phases[i - 1]), pnrLines.join('\n')).toBe(true);

    // The final report: the same synthesis numbers, the interruption and where nextpnr was.
    const final = readReport(out);
    expect(final.pnrStatus).toBe('interrupted');
    expect(final.total).toEqual(p.total);
    expect(final.pnrError).toContain('Place-and-route was interrupted');
    expect(final.pnrStoppedWhile).toMatch(/^(placing|routing)/);
    expect(await readFile(join(out, 'report.txt'), 'utf8')).toContain('place&route INTERRUPTED: Place-and-route was interrupted');
    expect(await readFile(join(out, 'nextpnr.log'), 'utf8')).toContain('Packing');
    // Rewritten file by file: no temporary files left in the folder or beside it.
    expect((await readdir(out)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect((await readdir(root)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('lutnn synth: on a time-out, exit 1 with a LutnnError and the Yosys report plus the reason on disk', async () => {
    const r = await execa('node', [LUTNN, 'synth', design, '--pnr-timeout', '0.01', '-o', 'timeout'], { cwd: root, reject: false });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toContain('lutnn: error: Place-and-route did not finish within 0.01 s; the synthesis report and the reason are in timeout (report.txt, report.json, nextpnr.log).');
    expect(r.stderr).toContain('field:    --pnr-timeout');
    expect(r.stderr).toContain('found:    stopped while starting. Try a longer --pnr-timeout');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // Non-TTY stderr: one line per stage.
    expect(r.stderr).toMatch(/\] nextpnr-ice40 place and route at 175 MHz, time limit 0\.01 s \(synthesis report already in timeout\)\n/);
    expect(r.stdout).toMatch(/^place&route TIMED OUT: nextpnr-ice40 did not finish within 0\.01 s\./m);
    const out = join(root, 'timeout');
    const rep = readReport(out);
    expect(rep.pnrStatus).toBe('timed-out');
    expect(rep.pnr).toBeNull();
    expect(rep.pnrError).toMatch(/did not finish within 0\.01 s/);
    expect(rep.total.LUT).toBeGreaterThan(50);
    expect(rep.estimate).not.toBeNull();
    expect(rep.warnings).toEqual([]);
    for (const f of ['report.txt', 'synth.ys', 'yosys.log', 'nextpnr.log', 'lutnn_pnr_wrap.v', '.lutnn-output']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(await readFile(join(out, 'report.txt'), 'utf8')).toContain('place&route TIMED OUT');
  });
});
