/**
 * Watches process warnings (MaxListenersExceededWarning: the 'drain' listener pile-up of MQTT.js QoS 0
 * publishes with callbacks, research/baseline.md F1) and attributes them to the variant running.
 */

/** Counts warnings by name while a variant runs. */
export class WarningWatch {
  private current = '';
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly listener = (warning: Error) => {
    const byName = this.counts.get(this.current) ?? new Map<string, number>();
    byName.set(warning.name, (byName.get(warning.name) ?? 0) + 1);
    this.counts.set(this.current, byName);
  };

  constructor() {
    // Keep Node's own printing of warnings off the console; we report them in the tables.
    process.removeAllListeners('warning');
    process.on('warning', this.listener);
  }

  /** Warnings from now on belong to `variant`. */
  during(variant: string): void {
    this.current = variant;
  }

  /** How many warnings named `name` came while `variant` ran. */
  count(variant: string, name = 'MaxListenersExceededWarning'): number {
    return this.counts.get(variant)?.get(name) ?? 0;
  }
}
