import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { createLocalApi } from '../../local/api.js';
import { createStaticRoutes } from '../../local/static.js';
import { buildWeb } from '../../web/build.js';
import { launchChromium } from './browser.js';

/** The built dashboard and a local API on one loopback HTTP server, and Chromium; `close` stops all of it. */
export async function serveDashboard(
  api: ReturnType<typeof createLocalApi>,
): Promise<{ base: string; browser: Browser; close: () => Promise<void> }> {
  const web = createStaticRoutes(await buildWeb());
  const server = createServer(async (req, res) => {
    if (!(await api(req, res)) && !(await web(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    base,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}
