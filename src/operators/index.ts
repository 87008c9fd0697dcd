/**
 * Pipeable operators for MQTT message streams. Each lives in its own file; this barrel re-exports them.
 *
 * @packageDocumentation
 */
export {};
