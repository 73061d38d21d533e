/** The MAC-array baseline of an artifact as a library call: artifact + hardware config → design folder. */
import { relative } from 'node:path';
import { loadArtifact } from './artifact/load.ts';
import { loadHwConfig } from './config/hw-config.ts';
import { emitDesign } from './emit/design.ts';
import { planMacDesign } from './plan/mac-linear.ts';
import type { DesignPlan } from './plan/types.ts';
import { writeDirectoryAtomically } from './util/atomic-dir.ts';

export interface GenMacOptions {
  model: string;
  config?: string;
  out: string;
  /** The command recorded in every file header. */
  regenerateCommand: string;
}

export function portable(path: string): string {
  return (relative(process.cwd(), path) || '.').split('\\').join('/');
}

export async function genMac(opts: GenMacOptions): Promise<{ plan: DesignPlan; outDir: string; files: string[] }> {
  const artifact = await loadArtifact(opts.model);
  const hw = await loadHwConfig(opts.config);
  const plan = planMacDesign(artifact, hw, { manifest: portable(opts.model), regenerateCommand: opts.regenerateCommand });
  const files = emitDesign(plan);
  await writeDirectoryAtomically(opts.out, files);
  return { plan, outDir: opts.out, files: files.map((f) => f.path) };
}

