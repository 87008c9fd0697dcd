import {
  type EnvironmentInjector,
  InjectionToken,
  createEnvironmentInjector,
  inject,
  runInInjectionContext,
} from '@angular/core';
import { createServer, type AddressInfo } from 'node:net';
import { filter, firstValueFrom, take, timeout } from 'rxjs';
import {
  MQTT_CONNECTOR,
  injectMqttConnector,
  mqttConnectorToken,
  provideMqttConnector,
} from '../../src/angular/index';
import { InvalidArgumentError, InvalidOptionsError, MqttConnector } from '../../src/index';
import { type EmbeddedBroker, startAedes } from '../support/aedes';
import { clientIds, reach, rootInjector } from './support';

let broker: EmbeddedBroker;
const injectors: EnvironmentInjector[] = [];

beforeAll(async () => {
  broker = await startAedes();
});
afterEach(async () => {
  // Destroying an injector disconnects its connectors: every test ends with no client left on the broker.
  for (const injector of injectors.splice(0)) if (!injector.destroyed) injector.destroy();
  await noClientsLeft();
});
afterAll(() => broker.close());

/** An application-like environment injector with the given providers. */
function app(providers: Parameters<typeof createEnvironmentInjector>[0], parent = rootInjector()) {
  const injector = createEnvironmentInjector(providers, parent, 'test-app');
  injectors.push(injector);
  return injector;
}

/** Resolves once the broker has no client left (each disconnect is async); bounded to 5 s. */
async function noClientsLeft(): Promise<void> {
  for (let i = 0; i < 500 && clientIds(broker.broker).length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(clientIds(broker.broker)).toEqual([]);
}

describe('provideMqttConnector', () => {
  it('provides one working connector under MQTT_CONNECTOR that connects on creation', async () => {
    const injector = app([provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-default' })]);
    const connector = injector.get(MQTT_CONNECTOR);

    expect(connector).toBeInstanceOf(MqttConnector);
    expect(injector.get(MQTT_CONNECTOR)).toBe(connector);
    expect(runInInjectionContext(injector, () => injectMqttConnector())).toBe(connector);
    await reach(connector, 'connected');

    const received = firstValueFrom(
      connector.subscribe<{ n: number }>('ng/echo').pipe(take(1), timeout(5000)),
    );
    await connector.whenSubscribed('ng/echo');
    await connector.publish('ng/echo', { n: 1 }, { qos: 1 });
    expect((await received).payload).toEqual({ n: 1 });
  });

  it('disconnects the connector when the injector is destroyed', async () => {
    const injector = app([provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-destroy' })]);
    const connector = injector.get(MQTT_CONNECTOR);
    await reach(connector, 'connected');
    expect(clientIds(broker.broker)).toContain('ng-destroy');

    injector.destroy();

    await reach(connector, 'disconnected');
    expect(connector.isConnected()).toBe(false);
    // The broker saw the client go (DISCONNECT, socket closed).
    await new Promise<void>((resolve) => {
      if (!clientIds(broker.broker).includes('ng-destroy')) resolve();
      else broker.broker.once('clientDisconnect', () => resolve());
    });
    expect(clientIds(broker.broker)).not.toContain('ng-destroy');
  });

  it('gives distinct connectors for names and tokens, each disconnected with its injector', async () => {
    const OWN = new InjectionToken<MqttConnector>('OWN');
    const injector = app([
      provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-main' }),
      provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-telemetry' }, { name: 'telemetry' }),
      provideMqttConnector({ mqttBroker: broker.wsUrl, clientId: 'ng-own' }, { token: OWN }),
    ]);
    const main = injector.get(MQTT_CONNECTOR);
    const telemetry = runInInjectionContext(injector, () => injectMqttConnector('telemetry'));
    const own = runInInjectionContext(injector, () => injectMqttConnector(OWN));

    expect(new Set([main, telemetry, own]).size).toBe(3);
    expect(injector.get(mqttConnectorToken('telemetry'))).toBe(telemetry);
    expect(mqttConnectorToken('telemetry')).toBe(mqttConnectorToken('telemetry'));
    expect(mqttConnectorToken('telemetry')).not.toBe(mqttConnectorToken('other'));
    await Promise.all([reach(main, 'connected'), reach(telemetry, 'connected'), reach(own, 'connected')]);
    expect(['ng-main', 'ng-telemetry', 'ng-own'].every((id) => clientIds(broker.broker).includes(id))).toBe(
      true,
    );

    // Messages cross between the named connectors through the broker.
    const got = firstValueFrom(telemetry.subscribe<string>('ng/named').pipe(take(1), timeout(5000)));
    await telemetry.whenSubscribed('ng/named');
    await own.publish('ng/named', 'from own', { qos: 1 });
    expect((await got).payload).toBe('from own');

    injector.destroy();
    await Promise.all([
      reach(main, 'disconnected'),
      reach(telemetry, 'disconnected'),
      reach(own, 'disconnected'),
    ]);
  });

  it('destroying a child injector (a lazy route) disconnects only its own connectors', async () => {
    const parent = app([provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-parent' })]);
    const child = app(
      [provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-child' }, { name: 'route' })],
      parent,
    );
    const outer = child.get(MQTT_CONNECTOR); // inherited from the parent
    const inner = runInInjectionContext(child, () => injectMqttConnector('route'));
    expect(outer).toBe(parent.get(MQTT_CONNECTOR));
    await Promise.all([reach(outer, 'connected'), reach(inner, 'connected')]);

    child.destroy();

    await reach(inner, 'disconnected');
    expect(outer.state.status).toBe('connected');
  });

  it('runs a factory in the injection context and accepts options or a ready connector from it', async () => {
    const BROKER_URL = new InjectionToken<string>('BROKER_URL');
    const ready = new MqttConnector({ mqttBroker: broker.url, clientId: 'ng-ready' });
    const injector = app([
      { provide: BROKER_URL, useValue: broker.url },
      provideMqttConnector(() => ({ mqttBroker: inject(BROKER_URL), clientId: 'ng-factory' })),
      provideMqttConnector(() => ready, { name: 'ready' }),
    ]);
    const fromOptions = injector.get(MQTT_CONNECTOR);
    const fromInstance = injector.get(mqttConnectorToken('ready'));

    expect(fromInstance).toBe(ready);
    await Promise.all([reach(fromOptions, 'connected'), reach(ready, 'connected')]);
    expect(clientIds(broker.broker)).toContain('ng-factory');

    injector.destroy();
    await reach(ready, 'disconnected'); // the injector owns what its factory returned
  });

  it('stays idle with connect: false (or a connect function that says no) until connect() is called', async () => {
    const SERVER = new InjectionToken<boolean>('SERVER');
    const injector = app([
      { provide: SERVER, useValue: true },
      provideMqttConnector({ mqttBroker: broker.url, clientId: 'ng-lazy' }, { connect: false }),
      provideMqttConnector(
        { mqttBroker: broker.url, clientId: 'ng-ssr' },
        { name: 'ssr', connect: () => !inject(SERVER) },
      ),
    ]);
    const lazy = injector.get(MQTT_CONNECTOR);
    const ssr = injector.get(mqttConnectorToken('ssr'));
    expect(lazy.state.status).toBe('idle');
    expect(ssr.state.status).toBe('idle');

    await expect(lazy.connect()).resolves.toBe(true);
    expect(ssr.state.status).toBe('idle');
  });

  it('is created lazily by default and at injector creation with eager: true', async () => {
    const made: string[] = [];
    const factory = (clientId: string) => () => {
      made.push(clientId);
      return { mqttBroker: broker.url, clientId };
    };
    const injector = app([
      provideMqttConnector(factory('ng-on-demand')),
      provideMqttConnector(factory('ng-eager'), { name: 'eager', eager: true }),
    ]);
    expect(made).toEqual(['ng-eager']);
    await reach(injector.get(mqttConnectorToken('eager')), 'connected');

    injector.get(MQTT_CONNECTOR);
    expect(made).toEqual(['ng-eager', 'ng-on-demand']);
  });

  it('destroying the injector while the connector is still trying to connect stops the attempts', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const injector = app([
      provideMqttConnector({ mqttBroker: `mqtt://127.0.0.1:${closedPort}`, reconnectInterval: 50 }),
    ]);
    const connector = injector.get(MQTT_CONNECTOR);
    // The first attempt was refused; it is retrying (still `connecting`, with a count of failed attempts).
    await firstValueFrom(
      connector.state$.pipe(
        filter((state) => state.attempt >= 1),
        timeout(5000),
      ),
    );

    injector.destroy();

    await reach(connector, 'disconnected');
    expect(connector.state.error).toBeUndefined();
  });

  it('passes disconnectOnDestroy to disconnect(): flush false rejects what is queued with CLOSED', async () => {
    const injector = app([
      provideMqttConnector(
        { mqttBroker: broker.url, clientId: 'ng-noflush' },
        { connect: false, disconnectOnDestroy: { flush: false } },
      ),
    ]);
    const connector = injector.get(MQTT_CONNECTOR);
    const queued = connector.publish('ng/queued', 'never sent', { qos: 1 }); // offline queue: not connected

    injector.destroy();

    await expect(queued).rejects.toMatchObject({ code: 'CLOSED' });
    await reach(connector, 'disconnected');
  });
});

describe('errors at the edges', () => {
  it('injectMqttConnector names the missing connector and how to provide it', () => {
    const injector = app([]);
    expect(() => runInInjectionContext(injector, () => injectMqttConnector('nope'))).toThrow(
      InvalidArgumentError,
    );
    expect(() => runInInjectionContext(injector, () => injectMqttConnector('nope'))).toThrow(
      /connector named "nope".*provideMqttConnector\(options, \{ name: "nope" \}\)/,
    );
    expect(() => runInInjectionContext(injector, () => injectMqttConnector())).toThrow(/MQTT_CONNECTOR/);
  });

  it('rejects both name and token, and empty names, at the call', () => {
    const OWN = new InjectionToken<MqttConnector>('OWN');
    expect(() => provideMqttConnector({}, { name: 'a', token: OWN })).toThrow(InvalidOptionsError);
    expect(() => provideMqttConnector({}, { name: ' ' })).toThrow(InvalidOptionsError);
    expect(() => mqttConnectorToken('')).toThrow(InvalidArgumentError);
  });

  it("surfaces the connector's own InvalidOptionsError when it is first injected", () => {
    const injector = app([provideMqttConnector({ mqttBroker: 'gopher://nowhere' })]);
    expect(() => injector.get(MQTT_CONNECTOR)).toThrow(InvalidOptionsError);
  });
});
