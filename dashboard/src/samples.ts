/**
 * Joins predictions with their samples by id, in bounded memory. The data topic and the prediction
 * topic are read side by side, so a sample usually comes first and waits in `recent`; a prediction
 * that comes first waits in `wanted` until its sample does. Both forget their oldest entries.
 */
export class SampleJoin<T> {
  private readonly recent = new Map<string, T>();
  private readonly wanted = new Map<string, ((features: T) => void)[]>();

  constructor(
    private readonly maxRecent: number,
    private readonly maxWanted: number,
  ) {}

  /** A sample read from the data topic: hands it to whoever waits for it, else keeps it for a while. */
  addSample(sampleId: string, features: T): void {
    const waiting = this.wanted.get(sampleId);
    if (waiting !== undefined) {
      this.wanted.delete(sampleId);
      for (const deliver of waiting) deliver(features);
      return;
    }
    this.recent.set(sampleId, features);
    if (this.recent.size > this.maxRecent) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Delivers the sample's features now if it was read, else once it is (unless forgotten first). */
  want(sampleId: string, deliver: (features: T) => void): void {
    const features = this.recent.get(sampleId);
    if (features !== undefined) {
      deliver(features);
      return;
    }
    const waiting = this.wanted.get(sampleId);
    if (waiting !== undefined) {
      waiting.push(deliver);
      return;
    }
    this.wanted.set(sampleId, [deliver]);
    if (this.wanted.size > this.maxWanted) this.wanted.delete(this.wanted.keys().next().value as string);
  }

  get sizes(): { recent: number; wanted: number } {
    return { recent: this.recent.size, wanted: this.wanted.size };
  }
}
