#!/usr/bin/env node
// `npx formharbor …`: runs the TypeScript CLI through tsx (a CLI needs no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
