/**
 * The browser page: mqtt-connector as an app would use it, bundled by esbuild (platform browser), driven
 * by the Jest side through `window.mqttPage` (see api.ts). Everything it sees is also rendered into the
 * page, so the screenshot shows the states and the messages.
 */
import { filter, firstValueFrom, map, take, timeout } from 'rxjs';
import { type ConnectionStatus, MqttConnector, type MqttMessage } from '../../../src/index';
import type { PageApi, RoundResult, StartArgs, StopResult } from './api';

/** Upper bound of every wait inside the page (a broken run fails instead of hanging). */
const WAIT_MS = 15_000;

interface Run {
  readonly connector: MqttConnector;
  readonly protocolVersion: 4 | 5;
  readonly statuses: ConnectionStatus[];
  readonly received: MqttMessage<unknown>[];
  readonly errors: string[];
  readonly view: HTMLElement;
}

const runs = new Map<string, Run>();

/** The run's long-lived filters: its own JSON and binary echoes, and what the Node side sends it. */
const filtersOf = (name: string) => [`browser/${name}/json`, `browser/${name}/bin`, `node/${name}/+kind`];

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function show(payload: unknown): string {
  if (payload instanceof Uint8Array) return `Uint8Array [${Array.from(payload).join(', ')}]`;
  return JSON.stringify(payload);
}

/** Re-renders one connector's section: its status history and the messages it received. */
function render(name: string, run: Run): void {
  const { view } = run;
  view.replaceChildren();
  const status = run.statuses[run.statuses.length - 1] ?? 'idle';
  const title = element('h2', `${name} `);
  title.append(element('span', status, `status ${status}`));
  view.append(
    title,
    element('p', `broker: ${run.connector.state.broker} (MQTT ${run.protocolVersion === 5 ? '5' : '3.1.1'})`),
  );
  view.append(element('p', `states: ${run.statuses.join(' → ')}`, 'history'));
  const table = element('table');
  table.append(element('tr'));
  table.rows[0]?.append(element('th', 'topic'), element('th', 'payload'), element('th', 'qos'));
  for (const message of run.received) {
    const row = element('tr');
    row.append(
      element('td', message.topic),
      element('td', show(message.payload)),
      element('td', String(message.qos)),
    );
    table.append(row);
  }
  view.append(table);
  if (run.errors.length > 0) view.append(element('p', `errors: ${run.errors.join('; ')}`, 'errors'));
}

function runOf(name: string): Run {
  const run = runs.get(name);
  if (!run) throw new Error(`no connector named ${name}`);
  return run;
}

const api: PageApi = {
  async start({ name, broker, protocolVersion }: StartArgs) {
    const connector = new MqttConnector({
      mqttBroker: broker,
      protocolVersion,
      clientId: `browser-${name}`,
      reconnectInterval: 100,
      maxReconnectInterval: 500,
      throttleInterval: 0,
    });
    const view = element('section');
    document.body.append(view);
    const run: Run = { connector, protocolVersion, statuses: [], received: [], errors: [], view };
    runs.set(name, run);
    const changed = () => render(name, run);
    connector.state$.subscribe((state) => {
      if (run.statuses[run.statuses.length - 1] !== state.status) run.statuses.push(state.status);
      changed();
    });
    connector.errors$.subscribe((error) => {
      run.errors.push(`${error.code}: ${error.message}`);
      changed();
    });
    // Three live subscriptions for the whole run: they must flow again after a broker restart.
    const keep = (message: MqttMessage<unknown>) => {
      run.received.push(message);
      changed();
    };
    connector.subscribe(`browser/${name}/json`, { qos: 1, decode: 'json' }).subscribe(keep);
    connector.subscribe(`browser/${name}/bin`, { qos: 1, decode: 'binary' }).subscribe(keep);
    connector.subscribe(`node/${name}/+kind`, { qos: 1 }).subscribe(keep);
    const connected = await connector.connect();
    if (!connected) throw new Error(`could not connect to ${broker}`);
    await Promise.all(
      [`browser/${name}/json`, `browser/${name}/bin`, `node/${name}/+kind`].map((f) =>
        connector.whenSubscribed(f),
      ),
    );
    return { status: connector.state.status };
  },

  async exchange(name, round): Promise<RoundResult> {
    const { connector } = runOf(name);
    // After a reconnect the filters are subscribed again: wait for those SUBACKs before relying on them.
    await Promise.all(filtersOf(name).map((f) => connector.whenSubscribed(f)));
    // Observers of the run's own filters (same filter and decoding: no new SUBSCRIBE), so nothing can
    // arrive before the broker knows the subscription.
    const next = <T>(
      topicFilter: string,
      decode: 'json' | 'binary' | 'auto',
      accept: (m: MqttMessage<T>) => boolean,
    ) =>
      firstValueFrom(
        connector.subscribe<T>(topicFilter, { qos: 1, decode }).pipe(
          filter(accept),
          take(1),
          map((message) => message.payload),
          timeout(WAIT_MS),
        ),
      );
    const json = next<{ round: number }>(`browser/${name}/json`, 'json', (m) => m.payload.round === round);
    const bytes = next<Uint8Array>(
      `browser/${name}/bin`,
      'binary',
      (m) => m.payload[m.payload.length - 1] === round,
    );
    const fromNode = next<{ round: number }>(
      `node/${name}/+kind`,
      'auto',
      (m) => m.topic === `node/${name}/hello` && m.payload.round === round,
    );
    const sent = new Uint8Array([0, 1, 2, 127, 128, 254, 255, round]);
    await connector.publish(`browser/${name}/json`, { round, text: 'grüße ✓', list: [1, 2, 3] }, { qos: 1 });
    await connector.publish(`browser/${name}/bin`, sent, { qos: 1 });
    await connector.publish(`browser/${name}/ready`, String(round), { qos: 1 });
    const [jsonPayload, bytesPayload, nodePayload] = await Promise.all([json, bytes, fromNode]);
    return {
      json: jsonPayload,
      bytes: Array.from(bytesPayload),
      bytesIsUint8Array: bytesPayload instanceof Uint8Array,
      fromNode: nodePayload,
    };
  },

  async waitFor(name, status, since) {
    const run = runOf(name);
    await firstValueFrom(
      run.connector.state$.pipe(
        filter(() => run.statuses.slice(since).includes(status)),
        timeout(WAIT_MS),
      ),
    );
    return [...run.statuses];
  },

  statuses: (name) => [...runOf(name).statuses],

  async stop(name): Promise<StopResult> {
    const run = runOf(name);
    await run.connector.disconnect();
    const result: StopResult = {
      statuses: [...run.statuses],
      finalStatus: run.connector.state.status,
      isConnected: run.connector.isConnected(),
      errors: [...run.errors],
      received: run.received.length,
    };
    window.__result = { ...(window.__result ?? {}), [name]: result };
    return result;
  },
};

window.mqttPage = api;
document.body.dataset['ready'] = 'true';
