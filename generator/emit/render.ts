/**
 * Handlebars rendering for Verilog and C++ templates. Templates hold layout only: every width,
 * name, constant and expression is computed in TypeScript and passed in the context.
 * `noEscape` because Verilog is full of `<=` and `&`; `strict` so a missing field is an error,
 * never an empty string in the RTL.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEMPLATE_DIRS = { rtl: join(PROJECT_ROOT, 'templates'), tb: join(PROJECT_ROOT, 'tb', 'templates') };

const hbs = Handlebars.create();
let partialsLoaded = false;
const cache = new Map<string, Handlebars.TemplateDelegate>();

function loadPartials(): void {
  if (partialsLoaded) return;
  const dir = join(TEMPLATE_DIRS.rtl, 'partials');
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.hbs')) continue;
    hbs.registerPartial(file.replace(/\.(v\.)?hbs$/, ''), readFileSync(join(dir, file), 'utf8'));
  }
  partialsLoaded = true;
}

/** Render `templates/<name>` (or `tb/templates/<name>` with kind `tb`) with a context. */
export function renderTemplate(name: string, context: object, kind: keyof typeof TEMPLATE_DIRS = 'rtl'): string {
  loadPartials();
  const path = join(TEMPLATE_DIRS[kind], name);
  let template = cache.get(path);
  if (!template) {
    template = hbs.compile(readFileSync(path, 'utf8'), { noEscape: true, strict: true });
    cache.set(path, template);
  }
  return template(context);
}
