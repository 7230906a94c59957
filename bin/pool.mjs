#!/usr/bin/env node
// The `pool` operator CLI. Runs the TypeScript sources directly (tsx), so the checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../local/cli.ts');
