/**
 * Copying caller-chosen keys into a new object without letting one of them change the object itself.
 *
 * @internal
 */

/**
 * Sets `record[key] = value` as an own, enumerable property. Plain assignment of the key `"__proto__"`
 * (a legal MQTT user-property name, and a legal JSON key) would replace the object's prototype instead,
 * and the pair would vanish; only that key takes the slower `defineProperty`, so copies on the publish
 * path stay plain assignments.
 */
export function setOwnProperty<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    record[key] = value;
  }
}
