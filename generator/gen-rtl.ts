/** `lutnn gen-rtl` as a library call: artifact + hardware config → design folder. */
import { join, relative } from 'node:path';
import { loadArtifact } from './artifact/load.ts';
import { loadHwConfig } from './config/hw-config.ts';
import { emitDesign } from './emit/design.ts';
import { planDesign } from './plan/design.ts';
import type { DesignPlan } from './plan/types.ts';
import { writeDirectoryAtomically } from './util/atomic-dir.ts';
import { checkLimit, count, formatBytes, SIZE_LIMITS } from './util/size-limits.ts';

export interface GenRtlOptions {
  model: string;
  config?: string;
  /** Output folder; default `rtl-out/<model name>`. */
  out?: string;
  /** Progress messages (stage names); silent when omitted. */
  onStage?: (stage: string) => void;
  /** Generate past the size limits (util/size-limits.ts). */
  force?: boolean;
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
  const plan = planDesign(artifact, hw, { manifest: portable(opts.model), regenerateCommand: regenerateCommand({ ...opts, out }), force: opts.force });
  stage('emitting RTL');
  const files = emitDesign(plan);
  const advice = 'fewer codebooks_per_cycle (time-shared lanes need fewer table banks and distance modules) or smaller layers';
  checkLimit(`The design (${count(files.length)} files)`, files.length, SIZE_LIMITS.outputFiles, { force: opts.force, file: opts.config ?? opts.model, unit: (n) => `${count(n)} files`, advice });
  const bytes = files.reduce((n, f) => n + (typeof f.content === 'string' ? Buffer.byteLength(f.content) : f.content.length), 0);
  checkLimit(`The design (${formatBytes(bytes)})`, bytes, SIZE_LIMITS.outputBytes, { force: opts.force, file: opts.config ?? opts.model, unit: formatBytes, advice });
  stage('writing output');
  await writeDirectoryAtomically(out, files);
  return { plan, outDir: out, files: files.map((f) => f.path) };
}
