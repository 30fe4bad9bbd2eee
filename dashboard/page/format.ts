export function percent(v: number | null, digits = 1): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(digits)}%`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function clock(ms: number | null): string {
  if (ms === null) return 'n/a';
  const d = new Date(ms);
  return d.toLocaleTimeString('en-GB', { hour12: false });
}

export function ms(v: number | null): string {
  return v === null ? 'n/a' : `${Math.round(v)} ms`;
}

/** How a marker reads in a label or a table: "swap to v2 (from v1)", "pin v3". */
export function markerText(m: { kind: string; version: number | null; from: number | null }): string {
  const v = m.version === null ? '' : ` v${m.version}`;
  if (m.kind === 'swap') return `swap to${v}${m.from === null ? '' : ` (from v${m.from})`}`;
  if (m.kind === 'first') return `first served:${v}`;
  return `${m.kind}${v}`;
}

/** Creates an element with text and attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== '') e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}
