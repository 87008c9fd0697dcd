/**
 * A whole Angular application, not just an injector: `bootstrapApplication` with a standalone root
 * component that injects the connector, then `ApplicationRef.destroy()`. Node has no DOM, so the app runs
 * on Angular's own server platform (`platformServer`, which brings its DOM, domino), the way server-side
 * rendering bootstraps an app: the same `ApplicationRef`, environment injector and `DestroyRef` as in a
 * browser. The JIT compiler compiles the component (no Angular CLI here).
 */
import '@angular/compiler';
import {
  type ApplicationRef,
  Component,
  type PlatformRef,
  inject,
  provideZonelessChangeDetection,
} from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { bootstrapApplication } from '@angular/platform-browser';
import { INITIAL_CONFIG, platformServer } from '@angular/platform-server';
import { filter, firstValueFrom, map, take, timeout } from 'rxjs';
import { MQTT_CONNECTOR, injectMqttConnector, provideMqttConnector } from '../../src/angular/index';
import type { MqttConnector } from '../../src/index';
import { startBroker, type EmbeddedBroker } from '../../src/testing/index';
import { reach } from './support';

@Component({ selector: 'app-root', template: '<p class="status">{{ status() }}</p>' })
class AppComponent {
  private readonly connector = inject(MQTT_CONNECTOR);
  readonly status = toSignal(this.connector.state$.pipe(map((state) => state.status)), {
    requireSync: true,
  });
}

let broker: EmbeddedBroker;
let platform: PlatformRef | undefined;
/** Connectors of the current test: disconnected after it, should a failed test leave one connected. */
const connectors: MqttConnector[] = [];

beforeAll(async () => {
  broker = await startBroker();
});
afterEach(async () => {
  platform?.destroy();
  platform = undefined;
  await Promise.all(connectors.splice(0).map((c) => c.disconnect({ flush: false })));
});
afterAll(() => broker.close());

/** Bootstraps `AppComponent` into `<app-root>` with the given providers, on a fresh server platform. */
function bootstrap(providers: Parameters<typeof provideMqttConnector>[] = []): Promise<ApplicationRef> {
  platform = platformServer([
    {
      provide: INITIAL_CONFIG,
      useValue: { document: '<html><body><app-root></app-root></body></html>', url: 'http://localhost/' },
    },
  ]);
  return bootstrapApplication(
    AppComponent,
    {
      providers: [
        provideZonelessChangeDetection(),
        ...providers.map((args) => provideMqttConnector(...args)),
      ],
    },
    { platformRef: platform },
  );
}

/** Resolves when the broker has seen `clientId` go (DISCONNECT or socket closed). */
function gone(clientId: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (broker.clientIds().includes(clientId)) return false;
      broker.aedes.off('clientDisconnect', check);
      resolve();
      return true;
    };
    if (!check()) broker.aedes.on('clientDisconnect', check);
  });
}

/** The text the root component rendered, after a change detection pass. */
function rendered(app: ApplicationRef): string {
  app.tick();
  const host = app.components[0]?.location.nativeElement as { textContent: string | null } | undefined;
  return host?.textContent?.trim() ?? '';
}

describe('an application bootstrapped with provideMqttConnector', () => {
  it('connects for the root component and disconnects when the application is destroyed', async () => {
    const app = await bootstrap([[{ mqttBroker: broker.url, clientId: 'ng-app' }]]);
    const connector = app.injector.get(MQTT_CONNECTOR);
    connectors.push(connector);
    await reach(connector, 'connected');
    expect(broker.clientIds()).toContain('ng-app');
    expect(rendered(app)).toBe('connected');

    const left = gone('ng-app');
    app.destroy();

    expect(app.destroyed).toBe(true);
    await reach(connector, 'disconnected');
    expect(connector.isConnected()).toBe(false);
    await left;
    expect(broker.clientIds()).not.toContain('ng-app');
  });

  it('sends what was published before the destroy, then leaves; named connectors go too', async () => {
    const app = await bootstrap([
      [{ mqttBroker: broker.url, clientId: 'ng-main' }],
      [
        { mqttBroker: broker.url, clientId: 'ng-telemetry' },
        { name: 'telemetry', eager: true },
      ],
    ]);
    const main = app.injector.get(MQTT_CONNECTOR);
    const telemetry = injectIn(app, 'telemetry');
    expect(telemetry).not.toBe(main);
    connectors.push(main, telemetry);
    await Promise.all([reach(main, 'connected'), reach(telemetry, 'connected')]);

    const lastWords = firstValueFrom(
      broker.published$.pipe(
        filter((m) => m.topic === 'ng/bye'),
        take(1),
        timeout(5000),
      ),
    );
    const published = main.publish('ng/bye', 'last words', { qos: 1 });
    const bothGone = Promise.all([gone('ng-main'), gone('ng-telemetry')]);
    app.destroy();

    await expect(published).resolves.toMatchObject({ status: 'acknowledged' });
    await expect(lastWords).resolves.toMatchObject({ text: 'last words', clientId: 'ng-main' });
    await Promise.all([bothGone, reach(main, 'disconnected'), reach(telemetry, 'disconnected')]);
  });
});

/** `injectMqttConnector(name)` in the application's injection context. */
function injectIn(app: ApplicationRef, name: string) {
  return app.injector.runInContext(() => injectMqttConnector(name));
}
