import { App } from 'aws-cdk-lib';
import { buildWeb } from '../web/build.js';
import { buildPoolApp } from './pool-app.js';
import { loadInputs } from './pool-config.js';

// `cdk synth|deploy [-c config=pool.config.json] [-c deploy=deploy.json] [-c stage=prod]` — see docs/deploy.md.
const app = new App();
const inputs = loadInputs((key) => app.node.tryGetContext(key));
// The dashboard is built (esbuild, offline) and uploaded with the API stack.
buildPoolApp(app, inputs, { siteDir: await buildWeb() });
app.synth();
