import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LAYER_CONFIG, layerConfig, loadHwConfig, parseHwConfig } from '../../generator/config/hw-config.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function file(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-hw-'));
  dirs.push(dir);
  const p = join(dir, 'hw.yaml');
  await writeFile(p, text);
  return p;
}

describe('hardware config', () => {
  it('defaults everything without a file', async () => {
    const cfg = await loadHwConfig(undefined);
    expect(cfg.reset).toBe('sync');
    expect(layerConfig(cfg, 'any')).toEqual(DEFAULT_LAYER_CONFIG);
  });
  it('applies top-level knobs, then per-layer overrides', async () => {
    const cfg = await loadHwConfig(await file('codebooks_per_cycle: 4\nreset: async\nlayers:\n  fc1:\n    outputs_per_cycle: 8\n    memory_style: block\n'));
    expect(cfg.reset).toBe('async');
    expect(layerConfig(cfg, 'fc1')).toMatchObject({ codebooksPerCycle: 4, outputsPerCycle: 8, memoryStyle: 'block' });
    expect(layerConfig(cfg, 'fc2')).toMatchObject({ codebooksPerCycle: 4, outputsPerCycle: 'all', memoryStyle: 'auto' });
  });
  it('reads the port knobs: io and elements_per_beat per layer, axi_stream for the top', async () => {
    const cfg = await loadHwConfig(await file('io: stream\nelements_per_beat: 4\naxi_stream: true\nlayers:\n  fc2:\n    io: parallel\n'));
    expect(cfg.axiStream).toBe(true);
    expect(layerConfig(cfg, 'fc1')).toMatchObject({ io: 'stream', elementsPerBeat: 4 });
    expect(layerConfig(cfg, 'fc2')).toMatchObject({ io: 'parallel' });
    expect((await loadHwConfig(undefined)).axiStream).toBe(false);
    expect(() => parseHwConfig({ layers: { fc1: { axi_stream: true } } }, 'hw.yaml')).toThrow(/layers\.fc1\.axi_stream/);
  });
  it('treats an empty file as all defaults', async () => {
    expect(layerConfig(await loadHwConfig(await file('')), 'x')).toEqual(DEFAULT_LAYER_CONFIG);
  });
  it('names the file, the field, expected and found for a bad value', () => {
    expect(() => parseHwConfig({ layers: { fc1: { memory_style: 'bram' } } }, 'hw.yaml')).toThrow(
      /hw\.yaml[\s\S]*layers\.fc1\.memory_style[\s\S]*"auto", "block", "distributed"[\s\S]*"bram"/,
    );
    expect(() => parseHwConfig({ codebooks_per_cycle: 2.5 }, 'hw.yaml')).toThrow(/codebooks_per_cycle[\s\S]*found: +2\.5/);
  });
  it('lists the known keys when a key is misspelt', () => {
    expect(() => parseHwConfig({ rest: 'sync' }, 'hw.yaml')).toThrow(/field: +rest[\s\S]*only the known fields: .*reset/);
  });
  it('reports YAML syntax errors with a line number', async () => {
    await expect(loadHwConfig(await file('a: [1, 2\nb: 3\n'))).rejects.toThrow(/not valid YAML[\s\S]*line \d/);
  });
  it('reports a missing file', async () => {
    await expect(loadHwConfig('/nonexistent/hw.yaml')).rejects.toThrow(/\/nonexistent\/hw\.yaml[\s\S]*ENOENT/);
  });
});
