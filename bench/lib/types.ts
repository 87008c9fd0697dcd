/**
 * Type helpers of the bench.
 */

/** A tuple without its first element: the parameters a wrapper passes on after supplying the first. */
export type WithoutFirst<T extends readonly unknown[]> = T extends readonly [unknown, ...infer Rest]
  ? Rest
  : never;
