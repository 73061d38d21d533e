/** `lutnn gen-rtl` as a library call: artifact + hardware config → design folder. */
import { join, relative } from 'node:path';
import { loadArtifact } from './artifact/load.ts';
import { loadHwConfig } from './config/hw-config.ts';
import { emitDesign } from './emit/design.ts';
import { planDesign } from './plan/design.ts';
import type { DesignPlan } from './plan/types.ts';
import { writeDirectoryAtomically } from './util/atomic-dir.ts';

export interface GenRtlOptions {
  model: string;
  config?: string;
  /** Output folder; default `rtl-out/<model name>`. */
  out?: string;
  /** Progress messages (stage names); silent when omitted. */
  onStage?: (stage: string) => void;
}

export interface GenRtlResult {
  plan: DesignPlan;
  outDir: string;
  files: string[];
}

/** Paths in the regeneration command are written relative to the working directory, POSIX style. */
function portable(path: string): string {
  const rel = relative(process.cwd(), path) || '.';
  return rel.split('\\').join('/');
}

export function regenerateCommand(opts: GenRtlOptions & { out: string }): string {
  const parts = ['npx lutnn gen-rtl', `--model ${portable(opts.model)}`];
  if (opts.config) parts.push(`--config ${portable(opts.config)}`);
  parts.push(`--out ${portable(opts.out)}`);
  return parts.join(' ');
}

export async function genRtl(opts: GenRtlOptions): Promise<GenRtlResult> {
  const stage = opts.onStage ?? (() => {});
  stage('loading artifact');
  const artifact = await loadArtifact(opts.model);
  const hw = await loadHwConfig(opts.config);
  const out = opts.out ?? join('rtl-out', artifact.name);
  stage('planning hardware');
  const plan = planDesign(artifact, hw, { manifest: portable(opts.model), regenerateCommand: regenerateCommand({ ...opts, out }) });
  stage('emitting RTL');
  const files = emitDesign(plan);
  stage('writing output');
  await writeDirectoryAtomically(out, files);
  return { plan, outDir: out, files: files.map((f) => f.path) };
}
