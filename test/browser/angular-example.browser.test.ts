/**
 * The Angular example (examples/angular: bootstrapApplication + provideMqttConnector, a standalone
 * component with toSignal and the async pipe) running in headless Chromium against aedes over ws://.
 * No Angular CLI here: the app is JIT-compiled, so @angular/compiler is bundled in front of it.
 * Screenshot: test-artifacts/browser-angular.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { firstValueFrom, take, timeout } from 'rxjs';
import { MqttConnector } from '../../src/index';
import { type EmbeddedBroker, startAedes } from '../support/aedes';
import { bundleForBrowser, launchChromium, openPage, pageHtml, servePage } from './harness';

const ARTIFACTS = join(__dirname, '../../test-artifacts');
const FILTER = 'sensors/+/temperature'; // the component's 'sensors/+room/temperature' as the broker sees it

let aedes: EmbeddedBroker;
let node: MqttConnector;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext | undefined;
let page: Page | undefined;
const logs: string[] = [];

beforeAll(async () => {
  const entry = join(__dirname, '../../examples/angular/main.ts');
  const [js] = await Promise.all([
    bundleForBrowser(entry, [require.resolve('@angular/compiler')]),
    startAedes().then((broker) => (aedes = broker)),
  ]);
  node = new MqttConnector({ mqttBroker: aedes.url, clientId: 'node-side-angular', throttleInterval: 0 });
  await node.connect();
  server = await servePage(js, pageHtml('The Angular example in Chromium', '<app-root></app-root>'));
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  await node?.disconnect();
  await aedes?.close();
});

/** Resolves when some client subscribes to `filter` on the broker. */
function subscribed(filter: string): Promise<void> {
  return new Promise((resolve) => {
    const onSubscribe = (subscriptions: { topic: string }[]) => {
      if (!subscriptions.some((s) => s.topic === filter)) return;
      aedes.broker.off('subscribe', onSubscribe);
      resolve();
    };
    aedes.broker.on('subscribe', onSubscribe);
  });
}

const text = async (selector: string) => (await page?.locator(selector).first().textContent())?.trim();

describe('the Angular example in headless Chromium', () => {
  it('shows the connection state and live readings, and publishes on a click', async () => {
    const pageSubscribed = subscribed(FILTER);
    const url = `${server.url}?broker=${encodeURIComponent(`${aedes.wsUrl}/mqtt`)}`;
    ({ context, page } = await openPage(browser, url, logs, 'app-root h1'));

    // toSignal(state$): the status in the template.
    await page.waitForFunction(() => document.querySelector('.status')?.textContent?.trim() === 'connected');
    await pageSubscribed;

    // A reading from the Node side reaches both the async pipe and the toSignal list.
    await node.publish('sensors/hall/temperature', { celsius: 21.5, at: 1 }, { qos: 1 });
    await page.waitForSelector('li.reading');
    expect(await text('.latest')).toBe('Latest: hall 21.5 °C');
    expect(await text('li.reading')).toBe('hall: 21.5 °C');

    // The button publishes; the promise settles on the PUBACK and the Node side gets the JSON.
    const fromPage = firstValueFrom(
      node
        .subscribe<{ celsius: number; at: number }>('sensors/kitchen/temperature')
        .pipe(take(1), timeout(10_000)),
    );
    await node.whenSubscribed('sensors/kitchen/temperature');
    await page.click('button');
    const reading = await fromPage;
    expect(reading.payload.celsius).toBeGreaterThanOrEqual(19);
    expect(reading.payload.celsius).toBeLessThanOrEqual(23);
    await page.waitForFunction(
      () => document.querySelector('.result')?.textContent?.trim() === 'published: acknowledged',
    );
    // The page's own subscription shows its reading too (newest first).
    await page.waitForFunction(() =>
      document.querySelector('li.reading')?.textContent?.trim().startsWith('kitchen:'),
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'browser-angular.png'), fullPage: true });
    expect(
      logs.filter((line) => line.startsWith('[pageerror]') || line.startsWith('[console.error]')),
    ).toEqual([]);
  });
});
