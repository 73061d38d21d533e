/** Child process of the bench: runs gen-rtl once and reports wall time, stage times and peak RSS. */
import { genRtl } from '../generator/gen-rtl.ts';

const [model, config, out] = process.argv.slice(2);
const t0 = performance.now();
const stages: Record<string, number> = {};
let last = t0;
let current = 'start';
await genRtl({
  model,
  config,
  out,
  onStage: (s) => {
    const now = performance.now();
    stages[current] = (now - last) / 1000;
    current = s;
    last = now;
  },
});
stages[current] = (performance.now() - last) / 1000;
delete stages.start;
process.stdout.write(
  JSON.stringify({ seconds: (performance.now() - t0) / 1000, stages, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n',
);
