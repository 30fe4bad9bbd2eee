import { createServer, type Server } from 'node:http';
import { closeGracefully, listen } from '../http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A per-service registry with the default process metrics, labelled with the service name. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // These three are gauges named like counters (promtool flags them); their per-type
  // twins without the suffix (nodejs_active_handles{type}, ...) carry the same numbers.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
    registry.removeSingleMetric(name);
  }
  return registry;
}

/** Serves /metrics (Prometheus text format) and /healthz on the given port; 0 picks a free one. */
export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly port: number,
    private readonly host = '0.0.0.0',
    private readonly healthy: () => boolean = () => true,
  ) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry
          .metrics()
          .then((text) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(text);
          })
          .catch((e: Error) => {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(`metrics failed: ${e.message}\n`);
          });
      } else if (req.url === '/healthz') {
        const ok = this.healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(ok ? 'ok\n' : 'not ready\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics or /healthz\n');
      }
    });
    this.server = server;
    return listen(server, this.port, this.host);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    // As the APIs stop: a scrape still running gets a grace period, then its connection is cut.
    await closeGracefully(server);
    this.server = undefined;
  }
}
