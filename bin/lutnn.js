#!/usr/bin/env node
// Entry point for the `lutnn` command. The tool is written in TypeScript and run through tsx's
// loader, so there is no separate build step between editing the generator and using it.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../generator/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
