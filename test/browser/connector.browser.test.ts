/**
 * mqtt-connector in a real browser: a page bundled by esbuild (platform browser) runs in Debian's headless
 * Chromium and uses the connector over WebSockets, driven from here. Screenshot: test-artifacts/browser.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type EmbeddedBroker, startAedes } from '../support/aedes';
import { eventually } from '../support/eventually';
import { type MosquittoBroker, startMosquitto } from '../support/mosquitto';
import { bundlePage, launchChromium, openPage, servePage } from './harness';
import { type NodeSide, startNodeSide } from './node-side';
import { type PageClient, pageClient } from './page-client';
import { type WssFront, startWssFront } from './wss-front';

const ARTIFACTS = join(__dirname, '../../test-artifacts');

let aedes: EmbeddedBroker;
let aedesNode: NodeSide;
let wssFront: WssFront;
let mosquitto: MosquittoBroker;
let mosquittoNode: NodeSide;
let server: { url: string; close: () => Promise<void> };
let browser: Browser;
let context: BrowserContext;
let page: Page;
let ui: PageClient;
const logs: string[] = [];
/** WebSocket request paths per client id, as the broker saw them. */
const wsPaths = new Map<string, string | undefined>();

function recordPaths(broker: EmbeddedBroker): void {
  broker.broker.on('client', (client) => {
    const { req } = client as unknown as { req?: { url?: string } };
    wsPaths.set(client.id, req?.url);
  });
}

beforeAll(async () => {
  const [js] = await Promise.all([
    bundlePage(),
    startAedes().then((b) => (aedes = b)),
    startMosquitto({ websockets: true }).then((b) => (mosquitto = b)),
  ]);
  recordPaths(aedes);
  wssFront = await startWssFront(() => aedes.broker);
  aedesNode = await startNodeSide(aedes.url, 'node-side-aedes');
  mosquittoNode = await startNodeSide(mosquitto.url, 'node-side-mosquitto');
  server = await servePage(js);
  browser = await launchChromium();
  ({ context, page } = await openPage(browser, server.url, logs));
  ui = pageClient(page, logs);
});

afterAll(async () => {
  if (page) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'browser.png'), fullPage: true });
  }
  await context?.close();
  await browser?.close();
  await server?.close();
  await aedesNode?.close();
  await mosquittoNode?.close();
  await wssFront?.close();
  await aedes?.close();
  await mosquitto?.close();
});

const decodeJson = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

/** One exchange: the page's JSON and binary echoes, the Node side's answer, and the bytes on the wire. */
async function roundTrip(name: string, nodeSide: NodeSide, round: number): Promise<void> {
  const json = { round, text: 'grüße ✓', list: [1, 2, 3] };
  const bytes = [0, 1, 2, 127, 128, 254, 255, round];

  const result = await ui.exchange(name, round);

  expect(result).toEqual({ json, bytes, bytesIsUint8Array: true, fromNode: { round, from: 'node' } });
  const onWireBin = await nodeSide.seenOn(`browser/${name}/bin`, (p) => p[p.length - 1] === round);
  expect(Array.from(onWireBin.payload)).toEqual(bytes);
  const onWireJson = await nodeSide.seenOn(
    `browser/${name}/json`,
    (p) => (decodeJson(p) as { round?: number }).round === round,
  );
  expect(decodeJson(onWireJson.payload)).toEqual(json);
}

describe('mqtt-connector in headless Chromium', () => {
  it('aedes over ws:// with a path: JSON and binary both ways, survives a broker restart, disconnects cleanly', async () => {
    const name = 'aedes-ws';
    await expect(ui.start({ name, broker: `${aedes.wsUrl}/mqtt`, protocolVersion: 4 })).resolves.toEqual({
      status: 'connected',
    });
    expect(wsPaths.get(`browser-${name}`)).toBe('/mqtt');
    await roundTrip(name, aedesNode, 1);

    const before = (await ui.statuses(name)).length;
    await aedes.restart(); // a fresh broker on the same ports, with no sessions: everything must resubscribe
    recordPaths(aedes);
    const history = await ui.waitFor(name, 'connected', before);
    expect(history.slice(before)).toEqual(['reconnecting', 'connected']);
    expect(wsPaths.get(`browser-${name}`)).toBe('/mqtt');
    await aedesNode.ready();
    await roundTrip(name, aedesNode, 2);

    const stopped = await ui.stop(name);
    expect(stopped).toMatchObject({ finalStatus: 'disconnected', isConnected: false, errors: [] });
    expect(stopped.statuses).toEqual([
      'idle',
      'connecting',
      'connected',
      'reconnecting',
      'connected',
      'disconnected',
    ]);
    expect(stopped.received).toBe(6); // 2 rounds × (JSON echo, binary echo, Node's answer)
    // disconnect() resolves once the page's WebSocket is closed; aedes forgets the client when it reads that
    // close, a moment later in this process.
    await eventually(() => !clientIds(aedes).includes(`browser-${name}`), 2000);
  });

  it('aedes over wss:// with a path (TLS WebSocket, test certificate): JSON and binary both ways', async () => {
    const name = 'aedes-wss';
    await expect(ui.start({ name, broker: wssFront.url, protocolVersion: 4 })).resolves.toEqual({
      status: 'connected',
    });
    expect(wsPaths.get(`browser-${name}`)).toBe('/mqtt'); // the front accepts no other path
    await roundTrip(name, aedesNode, 1);
    const stopped = await ui.stop(name);
    expect(stopped).toMatchObject({
      finalStatus: 'disconnected',
      isConnected: false,
      errors: [],
      received: 3,
    });
    expect(stopped.statuses).toEqual(['idle', 'connecting', 'connected', 'disconnected']);
  });

  it("Mosquitto's websockets listener with MQTT 5: JSON and binary both ways, survives a restart", async () => {
    const name = 'mosquitto-ws';
    const broker = `${mosquitto.urls.websockets ?? 'ws://missing'}/mqtt`;
    await expect(ui.start({ name, broker, protocolVersion: 5 })).resolves.toEqual({ status: 'connected' });
    await roundTrip(name, mosquittoNode, 1);

    const before = (await ui.statuses(name)).length;
    await mosquitto.restart(); // SIGTERM, then a new process on the same ports, without the old sessions
    const history = await ui.waitFor(name, 'connected', before);
    expect(history.slice(before)).toEqual(['reconnecting', 'connected']);
    await mosquittoNode.ready();
    await roundTrip(name, mosquittoNode, 2);

    const stopped = await ui.stop(name);
    expect(stopped).toMatchObject({
      finalStatus: 'disconnected',
      isConnected: false,
      errors: [],
      received: 6,
    });
    expect(stopped.statuses).toEqual([
      'idle',
      'connecting',
      'connected',
      'reconnecting',
      'connected',
      'disconnected',
    ]);
  });

  it('reports every run on window.__result', async () => {
    const result = await page.evaluate(() => window.__result);
    expect(Object.keys(result ?? {}).sort()).toEqual(['aedes-ws', 'aedes-wss', 'mosquitto-ws']);
    expect(logs.filter((line) => line.startsWith('[pageerror]'))).toEqual([]);
  });
});

function clientIds(broker: EmbeddedBroker): string[] {
  return Object.keys((broker.broker as unknown as { clients: Record<string, unknown> }).clients);
}
