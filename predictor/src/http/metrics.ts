import { Counter, Histogram, type Registry } from 'prom-client';

/** The HTTP API's Prometheus metrics: requests by route and status code, and how long they took. */
export class HttpApiMetrics {
  private readonly requests: Counter<'route' | 'code'>;
  private readonly seconds: Histogram<'route'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'hotswap_http_requests_total',
      help: 'HTTP API requests answered, by route (predict, status, version-status, pin, unpin, rollback, unknown) and status code',
      labelNames: ['route', 'code'],
      registers,
    });
    this.seconds = new Histogram({
      name: 'hotswap_http_request_seconds',
      help: 'Time from an HTTP API request arriving to its answer being written, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
  }

  answered(route: string, code: number, seconds: number): void {
    this.requests.inc({ route, code: String(code) });
    this.seconds.observe({ route }, seconds);
  }
}
