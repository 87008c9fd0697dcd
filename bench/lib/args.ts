/**
 * Command-line flags of the bench and its scenarios: `--key=value` or `--flag` (value "true").
 */

/** Parsed `--key=value` flags. */
export class Args {
  private readonly values = new Map<string, string>();

  constructor(argv: readonly string[] = process.argv.slice(2)) {
    for (const arg of argv) {
      if (!arg.startsWith('--'))
        throw new Error(`Unexpected argument ${JSON.stringify(arg)} (use --key=value)`);
      const eq = arg.indexOf('=');
      if (eq < 0) this.values.set(arg.slice(2), 'true');
      else this.values.set(arg.slice(2, eq), arg.slice(eq + 1));
    }
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  string(key: string, fallback: string): string {
    return this.values.get(key) ?? fallback;
  }

  optionalString(key: string): string | undefined {
    return this.values.get(key);
  }

  number(key: string, fallback: number): number {
    const raw = this.values.get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`--${key} must be a number, got ${JSON.stringify(raw)}`);
    return value;
  }

  /** A number flag without a default: undefined when absent. */
  optionalNumber(key: string): number | undefined {
    return this.has(key) ? this.number(key, 0) : undefined;
  }

  /** A flag that may carry a count: undefined when absent, 0 as a bare `--flag`, else its number. */
  optionalCount(key: string): number | undefined {
    return this.values.get(key) === 'true' ? 0 : this.optionalNumber(key);
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.values.get(key);
    if (raw === undefined) return fallback;
    return raw !== 'false' && raw !== '0';
  }

  list(key: string, fallback: readonly string[]): string[] {
    const raw = this.values.get(key);
    if (raw === undefined) return [...fallback];
    return raw.split(',').filter((item) => item !== '');
  }

  numbers(key: string, fallback: readonly number[]): number[] {
    return this.list(key, fallback.map(String)).map((item) => {
      const value = Number(item);
      if (!Number.isFinite(value)) throw new Error(`--${key} must be numbers, got ${JSON.stringify(item)}`);
      return value;
    });
  }

  /**
   * `--protocol`, the MQTT version: 4 (MQTT 3.1.1) or 5, `fallback` when absent. Anything else is an error,
   * and so is 5 with `broker` aedes, which speaks MQTT 3.1.1 only.
   */
  protocolVersion(fallback: 4 | 5 = 4, broker?: string): 4 | 5 {
    const version = this.number('protocol', fallback);
    if (version !== 4 && version !== 5) throw new Error('--protocol must be 4 or 5');
    if (version === 5 && broker === 'aedes')
      throw new Error('aedes speaks MQTT 3.1.1 only: --protocol=5 needs mosquitto');
    return version;
  }

  /** Every flag, for passing on to a child process. */
  entries(): [string, string][] {
    return [...this.values.entries()];
  }
}
