/**
 * The Node side of the browser test: bundle the page with esbuild (platform browser, like an app's
 * bundler), serve it on 127.0.0.1 (ephemeral port), and drive Debian's Chromium with playwright-core.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';

/** Chromium's path: `CHROMIUM_PATH`, default Debian's `/usr/bin/chromium` (scripts/ci-install-browser.sh). */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Bundles `entry` for the browser as an app's bundler would (platform browser, ESM). Fails on anything
 * that does not resolve for browsers. `inject` adds modules imported first (e.g. Angular's JIT compiler).
 */
export async function bundleForBrowser(entry: string, inject: string[] = []): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    inject,
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no output');
  return output.text;
}

/** The test page's script (page/entry.ts). */
export const bundlePage = (): Promise<string> => bundleForBrowser(join(__dirname, 'page/entry.ts'));

const STYLE = `
  body { font: 14px system-ui, sans-serif; margin: 16px; color: #222; }
  h1 { font-size: 18px; } h2 { font-size: 15px; margin: 14px 0 4px; }
  section { border: 1px solid #ccc; border-radius: 6px; padding: 4px 12px 10px; margin-bottom: 10px; }
  .status { padding: 1px 8px; border-radius: 10px; color: #fff; background: #888; }
  .status.connected { background: #1a7f37; } .status.disconnected { background: #57606a; }
  .status.reconnecting, .status.connecting { background: #bf8700; } .status.failed { background: #cf222e; }
  .history { color: #444; } .errors { color: #cf222e; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
  td { font-family: ui-monospace, monospace; font-size: 12px; }`;

/** The HTML of the test page: a title, the styles, `body` (if any) and the module script. */
export function pageHtml(title: string, body = ''): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>` +
    `<link rel="icon" href="data:,"><style>${STYLE}</style></head>` +
    `<body><h1>${title}</h1>${body}<script type="module" src="/bundle.js"></script></body></html>`
  );
}

/** Serves `/` (the page) and `/bundle.js` (the script, as text/javascript: module scripts need it). */
export async function servePage(
  js: string,
  html = pageHtml('mqtt-connector in Chromium'),
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/bundle.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    } else if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Headless Chromium; Playwright adds --headless, --no-sandbox and a fresh temporary profile itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--disable-gpu', '--disable-quic'] });
}

/**
 * Opens the page in a fresh context and waits until its script ran (`readySelector` appears). Console output and page errors go
 * to `logs` (printed by the test when something fails). `ignoreHTTPSErrors` lets wss:// reach a test
 * certificate.
 */
export async function openPage(
  browser: Browser,
  url: string,
  logs: string[],
  readySelector = 'body[data-ready="true"]',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1100, height: 900 },
  });
  const page = await context.newPage();
  page.on('console', (message) => logs.push(`[console.${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`));
  await page.goto(url);
  await page.waitForSelector(readySelector, { timeout: 10_000 });
  return { context, page };
}
