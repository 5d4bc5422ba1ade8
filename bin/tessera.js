#!/usr/bin/env node
// The `tessera` command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../services/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2), (text) => process.stdout.write(text));
