import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request answered with an error: the status, the message for `{"error": ...}`, and extra headers. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

/** Listens on the port (0 picks a free one) and host; resolves with the port bound. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting and lets requests in flight finish: idle keep-alive connections close at once, the rest after `graceMs`. */
export async function closeGracefully(server: Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(force);
}

/**
 * The server of an API that takes request bodies. A client that asks before sending a large body
 * (100-continue; curl does above 1 MB) is let go on only when `admits` accepts what it declares,
 * so a body over the limit is refused before it is sent.
 */
export class BodyServer {
  private server: Server | undefined;

  constructor(
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => void,
    private readonly admits: (req: IncomingMessage) => boolean,
  ) {}

  /** Listens on the port (0 picks a free one); resolves with the port bound. */
  start(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      if (this.admits(req)) res.writeContinue();
      this.handle(req, res);
    });
    this.server = server;
    return listen(server, port, host);
  }

  /** Stops accepting, lets requests in flight finish (idle keep-alive connections close at once). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    await closeGracefully(server);
  }
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** The Content-Length a request declares, or null when it declares none. */
export function declaredLength(req: IncomingMessage): number | null {
  const declared = Number(req.headers['content-length']);
  return req.headers['content-length'] === undefined || !Number.isFinite(declared) ? null : declared;
}

export interface BodyLimit {
  maxBytes: number;
  /** The setting behind the limit, named in the 413 message. */
  setting: string;
  /**
   * The rest of a body over the limit: `drain` reads and drops it, so the client can finish sending
   * and read the answer; `close` stops reading and closes the connection after the answer.
   */
  rest: 'drain' | 'close';
}

/** The whole body, refused with 413 as soon as it exceeds the limit (nothing beyond it is kept). */
export function readBody(req: IncomingMessage, limit: BodyLimit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit.maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        if (limit.rest === 'drain') req.resume();
        else req.pause();
        const message = `the body is over the limit of ${limit.maxBytes} bytes (${limit.setting})`;
        reject(new HttpRefusal(413, message, limit.rest === 'close' ? { connection: 'close' } : {}));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    // The client went away mid-body: nobody reads the answer, but it is not our failure either.
    req.once('error', (e) => reject(new HttpRefusal(400, `the body could not be read: ${e.message}`)));
  });
}
