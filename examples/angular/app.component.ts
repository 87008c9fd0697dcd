/**
 * A standalone component on mqtt-connector: the connection state and a live topic (with `toSignal` and
 * with the `async` pipe), and a button that publishes.
 */
import { AsyncPipe, DecimalPipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { map, scan } from 'rxjs';
import type { MqttMessage } from '../../src/index';
import { injectMqttConnector } from '../../src/angular/index';

/** What the sensors publish on `sensors/<room>/temperature`. */
export interface Reading {
  celsius: number;
  at: number;
}

@Component({
  selector: 'app-root',
  imports: [AsyncPipe, DecimalPipe, JsonPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>mqtt-connector + Angular</h1>
    <p>
      Connection: <strong class="status">{{ state().status }}</strong>
      @if (state().error; as error) {
        <span class="error">({{ error.code }}: {{ error.message }})</span>
      }
    </p>

    <!-- the async pipe: the latest reading of any room -->
    @if (latest$ | async; as latest) {
      <p class="latest">
        Latest: {{ latest.params['room'] }} {{ latest.payload.celsius | number: '1.1-1' }} °C
      </p>
    }

    <!-- toSignal: the last five readings -->
    <ul>
      @for (reading of recent(); track reading.at) {
        <li class="reading">{{ reading.room }}: {{ reading.celsius | number: '1.1-1' }} °C</li>
      }
    </ul>

    <button type="button" (click)="publish()" [disabled]="state().status !== 'connected'">
      Publish a kitchen reading
    </button>
    <p class="result">{{ lastResult() }}</p>
    <pre>{{ state() | json }}</pre>
  `,
})
export class AppComponent {
  private readonly connector = injectMqttConnector();

  /** The connection state as a signal (`state$` replays the current state, so it has a value at once). */
  readonly state = toSignal(this.connector.state$, { initialValue: this.connector.state });

  /** A live topic: one broker SUBSCRIBE, shared by the async pipe and the signal below. */
  readonly latest$ = this.connector.subscribe<Reading>('sensors/+room/temperature', { qos: 1 });

  readonly recent = toSignal(
    this.latest$.pipe(
      map((message: MqttMessage<Reading>) => ({ room: message.params['room'] ?? '?', ...message.payload })),
      scan((list: (Reading & { room: string })[], reading) => [reading, ...list].slice(0, 5), []),
    ),
    { initialValue: [] },
  );

  readonly lastResult = signal('');

  /** Publishes a reading; the promise settles on the broker's PUBACK (QoS 1) or with a typed error. */
  async publish(): Promise<void> {
    const reading: Reading = { celsius: 19 + Math.random() * 4, at: Date.now() };
    try {
      const result = await this.connector.publish('sensors/kitchen/temperature', reading, { qos: 1 });
      this.lastResult.set(`published: ${result.status}`);
    } catch (error) {
      this.lastResult.set(`publish failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
