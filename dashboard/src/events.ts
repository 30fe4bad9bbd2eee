import type { ServerResponse } from 'node:http';
import type { DashboardAggregate } from './aggregate';

/** What a page is sent: the whole state when it connects (or falls behind), then what changed. */
export function eventText(event: 'snapshot' | 'delta', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface Page {
  res: ServerResponse;
  /** Its socket's buffer is full: it gets nothing until it drains, then the whole state again. */
  blocked: boolean;
  needsSnapshot: boolean;
}

/**
 * The pages connected over Server-Sent Events. Every `pushMs` at most, when the aggregate changed,
 * each page gets one delta: however fast the predictions come, a page gets a few updates a second.
 * A page that reconnects (EventSource does by itself, also after this server restarts) gets the
 * whole state first.
 */
export class EventStream {
  private readonly pages = new Set<Page>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly aggregate: DashboardAggregate,
    private readonly pushMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.push(), this.pushMs);
    // A comment line now and then keeps proxies from closing a quiet stream.
    this.heartbeat = setInterval(() => this.pages.forEach((p) => p.blocked || p.res.write(': keep-alive\n\n')), 15_000);
  }

  /** Answers a GET of the event stream: the headers, the reconnect delay, the whole state. */
  connect(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const page: Page = { res, blocked: false, needsSnapshot: false };
    this.pages.add(page);
    res.on('close', () => this.pages.delete(page));
    res.on('drain', () => {
      page.blocked = false;
      page.needsSnapshot = true;
    });
    this.write(page, `retry: 1000\n\n${eventText('snapshot', this.aggregate.snapshot(this.clock()))}`);
  }

  private write(page: Page, text: string): void {
    if (!page.res.write(text)) page.blocked = true;
  }

  /** Sends what changed to every page (the whole state to a page that fell behind). */
  push(): void {
    if (!this.aggregate.takeChanged() || this.pages.size === 0) return;
    const now = this.clock();
    const delta = eventText('delta', this.aggregate.delta(now));
    let snapshot: string | undefined;
    for (const page of this.pages) {
      if (page.blocked) continue;
      if (page.needsSnapshot) {
        page.needsSnapshot = false;
        snapshot ??= eventText('snapshot', this.aggregate.snapshot(now));
        this.write(page, snapshot);
      } else {
        this.write(page, delta);
      }
    }
  }

  get connected(): number {
    return this.pages.size;
  }

  /** Ends every stream (the pages reconnect to whichever server answers next). */
  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    for (const page of this.pages) page.res.end();
    this.pages.clear();
  }
}
