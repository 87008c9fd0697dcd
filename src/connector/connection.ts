/**
 * Owns the connection's life: the current {@link ConnectionState}, the running connection loop, and the
 * `connect()` / `disconnect()` transitions. The loop itself is {@link connectionStates}.
 *
 * @internal
 */
import {
  BehaviorSubject,
  type Observable,
  type SchedulerLike,
  type Subscription,
  distinctUntilChanged,
  filter,
  firstValueFrom,
  map,
} from 'rxjs';
import { connectionStates } from './connection-states.js';
import type { Logger } from './logger.js';
import type { MqttClientHandle } from './mqtt-client.js';
import type { ResolvedOptions } from './options.js';
import type { ConnectionState, ConnectionStatus } from './types.js';

const SETTLED: readonly ConnectionStatus[] = ['connected', 'failed', 'disconnected'];

/** The connection of one connector. @internal */
export class Connection {
  private readonly stateSubject: BehaviorSubject<ConnectionState>;
  private loop: Subscription | undefined;
  /** The running stop(), shared by the calls made while it runs. */
  private stopping: Promise<void> | undefined;
  /** Counts stop() calls: a connect() waiting for a stop is cancelled by any later one. */
  private stopCalls = 0;

  /** Replays the current state to each subscriber, then every change once. */
  readonly state$: Observable<ConnectionState>;

  constructor(
    private readonly client: MqttClientHandle,
    private readonly options: ResolvedOptions,
    private readonly logger: Logger,
    private readonly scheduler: SchedulerLike,
    private readonly onFailed: (state: ConnectionState) => void,
  ) {
    this.stateSubject = new BehaviorSubject<ConnectionState>({
      status: 'idle',
      attempt: 0,
      broker: options.brokers[0]?.url ?? '',
      since: scheduler.now(),
    });
    this.state$ = this.stateSubject.pipe(distinctUntilChanged());
  }

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  /**
   * Starts the connection loop unless it runs already (or restarts it with `force`), then resolves true
   * once connected, false once it failed or was disconnected. `beforeStart` runs first (the facade
   * reopens its publish pipeline there).
   *
   * While {@link Connection.stop} runs, the call waits for it to finish and then connects, so calls take
   * effect in call order; a `stop()` called meanwhile cancels it (it resolves false without connecting).
   */
  connect(force: boolean, beforeStart: () => void = () => undefined): Promise<boolean> {
    const stopping = this.stopping;
    if (stopping) {
      const stopCalls = this.stopCalls;
      return stopping.then(
        () => (stopCalls === this.stopCalls ? this.connect(force, beforeStart) : false),
        () => false,
      );
    }
    beforeStart();
    const { status } = this.state;
    if (status === 'connected' && !force) return Promise.resolve(true);
    const running = status === 'connecting' || status === 'reconnecting' || status === 'connected';
    if (!running || force) this.start();
    return firstValueFrom(
      this.stateSubject.pipe(
        filter((state) => SETTLED.includes(state.status)),
        map((state) => state.status === 'connected'),
      ),
    );
  }

  /**
   * Ends the connection for good: runs `prepare` (the facade flushes and closes its publish pipeline
   * there), then sends DISCONNECT when connected, closes the socket and cancels pending attempts; state
   * `disconnected`, emitted once. Calls made while one runs share it (and its `prepare`).
   */
  stop(prepare: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    this.stopCalls += 1;
    if (!this.stopping) {
      this.stopping = this.runStop(prepare).finally(() => {
        this.stopping = undefined;
      });
    }
    return this.stopping;
  }

  private async runStop(prepare: () => Promise<void>): Promise<void> {
    try {
      await prepare();
    } finally {
      await this.endLoop();
    }
  }

  private async endLoop(): Promise<void> {
    if (this.state.status === 'disconnected' && !this.loop) return;
    // end() first: it marks the close as ours, so cancelling the loop's attempt leaves the graceful
    // DISCONNECT alone; cancelling the loop at once means no pending retry can start while end() runs.
    const ended = this.client.end(false);
    this.loop?.unsubscribe();
    this.loop = undefined;
    await ended;
    if (this.state.status === 'disconnected') return;
    this.setState({
      status: 'disconnected',
      attempt: 0,
      broker: this.state.broker,
      since: this.scheduler.now(),
    });
  }

  private start(): void {
    // Unsubscribing closes the current attempt's socket (a forced reconnect) and cancels a pending wait.
    this.loop?.unsubscribe();
    const states$ = connectionStates((broker) => this.client.attempt(broker), {
      brokers: this.options.brokers,
      reconnect: this.options.reconnect,
      scheduler: this.scheduler,
    });
    const loop = states$.subscribe((state) => {
      this.setState(state);
      if (state.status === 'failed') this.onFailed(state);
    });
    this.loop = loop.closed ? undefined : loop;
  }

  private setState(state: ConnectionState): void {
    this.stateSubject.next(state);
    this.logState(state);
  }

  private logState(state: ConnectionState): void {
    const context = {
      status: state.status,
      attempt: state.attempt,
      broker: state.broker,
      ...(state.delayMs !== undefined ? { delayMs: state.delayMs } : {}),
      ...(state.sessionPresent !== undefined ? { sessionPresent: state.sessionPresent } : {}),
      ...(state.error ? { error: state.error } : {}),
    };
    switch (state.status) {
      case 'connected':
        return this.logger.log('info', `Connected to ${state.broker}`, context);
      case 'failed':
        return this.logger.log(
          'error',
          `Gave up connecting: ${state.error?.message ?? 'unknown error'}`,
          context,
        );
      case 'disconnected':
        return this.logger.log('info', 'Disconnected', context);
      default:
        if (state.delayMs === undefined) {
          return this.logger.log('info', `Connecting to ${state.broker}`, context);
        }
        return this.logger.log(
          'warn',
          `${state.error?.message ?? 'Not connected'}; attempt ${state.attempt} to ${state.broker} in ${state.delayMs} ms`,
          context,
        );
    }
  }
}
