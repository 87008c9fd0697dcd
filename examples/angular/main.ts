/**
 * Bootstraps the example app with a connector from `provideMqttConnector()`.
 *
 * The broker URL comes from `?broker=` (the browser test passes its own), else a local Mosquitto's
 * websockets listener. Angular 21 is zoneless by default: no zone.js needed.
 */
import { bootstrapApplication } from '@angular/platform-browser';
import { provideMqttConnector } from '../../src/angular/index';
import { AppComponent } from './app.component';

const broker = new URLSearchParams(location.search).get('broker') ?? 'ws://localhost:9001/mqtt';

bootstrapApplication(AppComponent, {
  providers: [
    provideMqttConnector({ mqttBroker: broker, reconnectInterval: 1000, maxReconnectInterval: 10_000 }),
  ],
}).catch((error: unknown) => console.error(error));
