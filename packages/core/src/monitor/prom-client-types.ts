// The slice of prom-client's API the metrics use, as structural types: the public .d.ts must not import the optional peer.
// Declarations only (nothing is emitted): `import type * as PromClient` reads like the real module, and the real
// `import * as client from 'prom-client'` is assignable to `typeof PromClient` (metrics.test.ts passes it).
// Declared classes and a `collect` method because TypeScript compares the parameters of constructor and method
// declarations bivariantly: prom-client's configurations take its full Registry class, of which this is a subset.

export type LabelValues = Record<string, string | number>;

interface MetricConfiguration<M> {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers?: Registry[];
  collect?(this: M): void | Promise<void>;
}

/** A prom-client registry (`new client.Registry()` or `client.register`), as far as the metrics use it. */
export declare class Registry {
  metrics(): Promise<string>;
  readonly contentType: string;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

export declare class Counter {
  constructor(configuration: MetricConfiguration<Counter>);
  inc(labels: LabelValues, value?: number): void;
  inc(value?: number): void;
}

export declare class Gauge {
  constructor(configuration: MetricConfiguration<Gauge>);
  set(value: number): void;
}

export declare class Histogram {
  constructor(configuration: MetricConfiguration<Histogram> & { buckets?: number[] });
  observe(labels: LabelValues, value: number): void;
  observe(value: number): void;
}
