#!/usr/bin/env node
// `npx clientela`: the package's bin. Registers tsx's loader (resolved from here, not from the caller's
// directory) and runs the TypeScript entry, as `npm start` runs local/start.ts with `node --import tsx`.
import { register } from 'tsx/esm/api';

register();
await import('./clientela.ts');
