import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { closeGracefully, listen } from '@hotswap/shared/telemetry';
import type { DashboardAggregate } from './aggregate';
import type { EventStream } from './events';

/** The page's files, bundled at build time (scripts/bundle-dashboard.js) into dist/page. */
export const PAGE_DIR = join(__dirname, 'page');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const FILES = ['index.html', 'app.js', 'app.css', 'app.js.map', 'app.css.map'];

// Everything the page loads comes from here: no CDN, no other origin.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Reads the bundled page files; throws, naming the build step, when they are missing. */
export function readPageFiles(dir = PAGE_DIR): Map<string, { body: Buffer; type: string }> {
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'app.js'))) {
    throw new Error(`the page's bundle is missing from ${dir}: run \`npm run build\` (it bundles the page with esbuild)`);
  }
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const ext = name.slice(name.lastIndexOf('.'));
    files.set(`/${name}`, { body: readFileSync(path), type: TYPES[ext] ?? 'application/octet-stream' });
  }
  files.set('/', files.get('/index.html') as { body: Buffer; type: string });
  return files;
}

/** The page, its event stream (/events), the state as JSON (/api/state) and /healthz, on one port. */
export class DashboardServer {
  private server: Server | undefined;
  private readonly files: Map<string, { body: Buffer; type: string }>;

  constructor(
    private readonly aggregate: DashboardAggregate,
    private readonly events: EventStream,
    private readonly clock: () => number = Date.now,
    pageDir = PAGE_DIR,
  ) {
    this.files = readPageFiles(pageDir);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('only GET and HEAD\n');
      return;
    }
    if (path === '/events') {
      this.events.connect(res);
      return;
    }
    if (path === '/api/state') {
      const body = JSON.stringify(this.aggregate.snapshot(this.clock()));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    const file = this.files.get(path);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: the page is at /\n');
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': path === '/' || path === '/index.html' ? 'no-cache' : 'public, max-age=300',
      ...SECURITY_HEADERS,
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  /** Listens on the port (0 picks a free one); resolves with the port bound. */
  start(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    return listen(server, port, host);
  }

  /** Ends the event streams, then stops accepting and lets requests in flight finish. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.events.stop();
    await closeGracefully(server, 2000);
  }
}
