/**
 * Builds the Verilator simulator of a design once and caches it by content: the hash covers the
 * RTL, the memory files, the harness source, the Verilator version and the build flags, so an
 * unchanged design is never rebuilt and a changed one never reuses a stale binary.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LutnnError } from '../generator/errors.ts';
import type { DesignPlan } from '../generator/plan/types.ts';
import { harnessSource } from './harness.ts';

const BUILD_FLAGS = ['--cc', '--exe', '--build', '--trace', '-Wno-fatal', '-O3', '--x-assign', 'fast', '--x-initial', 'fast', '-CFLAGS', '-O1', '-CFLAGS', '-std=c++17'];

export function cacheRoot(): string {
  return process.env.LUTNN_CACHE_DIR ?? join(homedir(), '.cache', 'lutnn-hdl');
}

let verilatorVersion: string | undefined;
export async function getVerilatorVersion(): Promise<string> {
  if (verilatorVersion) return verilatorVersion;
  try {
    const { stdout } = await execa('verilator', ['--version']);
    verilatorVersion = stdout.trim();
  } catch {
    throw new LutnnError('Verilator is not installed or not on PATH.', {
      expected: 'verilator (Debian: apt-get install -y verilator)',
      found: 'no verilator command',
    });
  }
  return verilatorVersion;
}

/** Verilog sources of the design in file-list order, and the memory files next to them. */
export async function designSources(designDir: string, design?: DesignPlan): Promise<{ verilog: string[]; memories: string[] }> {
  const again = design ? `; regenerate it: ${design.regenerateCommand}` : '; regenerate it with lutnn gen-rtl';
  let list: string;
  try {
    list = await readFile(join(designDir, 'files.f'), 'utf8');
  } catch {
    throw new LutnnError('The design folder has no file list.', { file: join(designDir, 'files.f'), expected: `files.f written by lutnn gen-rtl${again}`, found: 'no such file' });
  }
  const verilog = list.split('\n').filter((l) => l.trim() !== '');
  const missing = verilog.filter((f) => !existsSync(join(designDir, f)));
  if (missing.length > 0) {
    throw new LutnnError('The design folder is incomplete.', { file: designDir, expected: `every file files.f lists${again}`, found: `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}` });
  }
  const memories = (await readdir(designDir)).filter((f) => f.endsWith('.memh')).sort();
  return { verilog, memories };
}

export interface BuiltSimulator {
  binary: string;
  cached: boolean;
  buildSeconds: number;
}

export async function buildSimulator(designDir: string, design: DesignPlan): Promise<BuiltSimulator> {
  const version = await getVerilatorVersion();
  const { verilog, memories } = await designSources(designDir, design);
  const harness = harnessSource(design);
  const hash = createHash('sha256');
  hash.update(version).update('\0').update(BUILD_FLAGS.join(' ')).update('\0').update(harness);
  for (const f of [...verilog, ...memories]) hash.update('\0').update(f).update('\0').update(await readFile(join(designDir, f)));
  const key = hash.digest('hex').slice(0, 24);
  const dir = join(cacheRoot(), 'verilator', key);
  const binary = join(dir, 'sim');
  if (existsSync(binary)) {
    const now = new Date();
    await utimes(dir, now, now); // mark as recently used so pruning keeps it
    return { binary, cached: true, buildSeconds: 0 };
  }

  // Build in a private folder and rename it into place, so concurrent builds never see half a cache entry.
  await mkdir(join(cacheRoot(), 'verilator'), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const started = Date.now();
  try {
    await writeFile(join(tmp, 'harness.cpp'), harness);
    const args = [...BUILD_FLAGS, '-j', '2', '--top-module', design.top, '-Mdir', join(tmp, 'obj'), '-o', join(tmp, 'sim'), join(tmp, 'harness.cpp'), ...verilog.map((f) => join(designDir, f))];
    const result = await execa('verilator', args, { reject: false, all: true });
    if (result.exitCode !== 0 || !existsSync(join(tmp, 'sim'))) {
      throw new LutnnError('Verilator failed to build the simulator.', {
        file: designDir,
        expected: 'a successful verilator --build',
        found: (result.all ?? '').split('\n').slice(-30).join('\n'),
      });
    }
    await rm(join(tmp, 'obj'), { recursive: true, force: true });
    if (existsSync(dir)) await rm(tmp, { recursive: true, force: true });
    else await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await pruneCache(join(cacheRoot(), 'verilator'));
  return { binary, cached: false, buildSeconds: (Date.now() - started) / 1000 };
}

/** Builds kept in the cache; older ones (by modification time) are removed after each new build. */
export const CACHE_KEEP = 40;

/** Keeps the CACHE_KEEP most recently used builds under `base` (a simulator's cache folder). */
export async function pruneCache(base: string): Promise<void> {
  const entries = (await readdir(base)).filter((e) => !e.includes('.tmp-'));
  if (entries.length <= CACHE_KEEP) return;
  // Another process may prune the same cache at the same time: an entry gone since readdir is skipped.
  const dated = (await Promise.all(entries.map(async (e) => ({ e, t: (await stat(join(base, e)).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err))))?.mtimeMs })))).filter(
    (d): d is { e: string; t: number } => d.t !== undefined,
  );
  dated.sort((a, b) => b.t - a.t);
  await Promise.all(dated.slice(CACHE_KEEP).map(({ e }) => rm(join(base, e), { recursive: true, force: true })));
}
