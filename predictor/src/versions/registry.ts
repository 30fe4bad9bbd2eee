/** A loaded, warmed-up model version, as the registry sees it: no TensorFlow here. */
export interface ModelVersion<M> {
  name: string;
  version: number;
  model: M;
}

export interface Lease<M> {
  readonly version: ModelVersion<M>;
  /** The challenger scored beside it on this batch, if one is loaded: its predictions are never written. */
  readonly challenger: ModelVersion<M> | null;
}

export type RegistryEvent<M> =
  | { kind: 'staged'; version: ModelVersion<M> }
  | { kind: 'swapped'; from: ModelVersion<M> | null; to: ModelVersion<M> }
  | { kind: 'discarded'; version: ModelVersion<M>; why: string }
  | { kind: 'challenger'; version: ModelVersion<M> }
  | { kind: 'challenger-dropped'; version: ModelVersion<M>; why: string }
  | { kind: 'disposed'; version: ModelVersion<M> };

/**
 * Which loaded version serves, and when a new one takes over. A version is staged when it is
 * ready; it takes the traffic at the next batch start (`acquire`), so a batch never mixes
 * versions. A retired version is disposed once the last batch that leased it is released. Which
 * version to stage is the policy's (policy.ts), not decided here. Pure: disposal is a callback,
 * nothing here knows TensorFlow.
 */
export class ModelRegistry<M> {
  private serving: ModelVersion<M> | null = null;
  private staged: ModelVersion<M> | null = null;
  private challenger: ModelVersion<M> | null = null;
  private readonly leases = new Map<ModelVersion<M>, number>();
  private readonly retired = new Set<ModelVersion<M>>();

  constructor(
    private readonly dispose: (version: ModelVersion<M>) => void,
    private readonly onEvent: (event: RegistryEvent<M>) => void = () => undefined,
  ) {}

  get servingVersion(): ModelVersion<M> | null {
    return this.serving;
  }

  get hasModel(): boolean {
    return this.serving !== null || this.staged !== null;
  }

  /** The staged version if any, else the serving one: what the next batch will use. */
  get nextVersion(): ModelVersion<M> | null {
    return this.staged ?? this.serving;
  }

  /** Stages a ready version; a staged version it replaces before ever serving is disposed at once. */
  stage(candidate: ModelVersion<M>): void {
    if (this.staged !== null) {
      this.onEvent({ kind: 'discarded', version: this.staged, why: `superseded by v${candidate.version} before serving` });
      this.dispose(this.staged);
    }
    this.staged = candidate;
    this.onEvent({ kind: 'staged', version: candidate });
    // Nothing serves yet, so no batch is in flight: the first version serves at once.
    if (this.serving === null) this.promote();
  }

  /** Drops the staged version before it ever serves (disposed at once); the serving one stays. */
  unstage(why: string): void {
    if (this.staged === null) return;
    const dropped = this.staged;
    this.staged = null;
    this.onEvent({ kind: 'discarded', version: dropped, why });
    this.dispose(dropped);
  }

  get challengerVersion(): ModelVersion<M> | null {
    return this.challenger;
  }

  /** Sets the challenger: from the next batch on, every batch leases it too. */
  setChallenger(challenger: ModelVersion<M>): void {
    if (this.challenger !== null) this.dropChallenger(`replaced by v${challenger.version}`);
    this.challenger = challenger;
    this.onEvent({ kind: 'challenger', version: challenger });
  }

  /** Stops scoring the challenger; it is disposed once the batches that leased it end. */
  dropChallenger(why: string): void {
    const dropped = this.challenger;
    if (dropped === null) return;
    this.challenger = null;
    this.onEvent({ kind: 'challenger-dropped', version: dropped, why });
    this.retired.add(dropped);
    this.disposeIfIdle(dropped);
  }

  /** The challenger, promoted, is staged as it is: it takes the traffic at the next batch. */
  stageChallenger(): void {
    const promoted = this.challenger;
    if (promoted === null) throw new Error('no challenger to stage');
    this.challenger = null;
    this.stage(promoted);
  }

  /** Called at a batch start: swaps in the staged version, then leases the serving one (and the challenger). */
  acquire(): Lease<M> {
    this.promote();
    const serving = this.serving;
    if (serving === null) throw new Error('no model version is ready to serve');
    this.hold(serving);
    if (this.challenger !== null) this.hold(this.challenger);
    return { version: serving, challenger: this.challenger };
  }

  /** Called at a batch end. */
  release(lease: Lease<M>): void {
    this.letGo(lease.version);
    if (lease.challenger !== null) this.letGo(lease.challenger);
  }

  private hold(version: ModelVersion<M>): void {
    this.leases.set(version, (this.leases.get(version) ?? 0) + 1);
  }

  private letGo(version: ModelVersion<M>): void {
    const count = this.leases.get(version);
    if (count === undefined) throw new Error(`v${version.version} released more often than acquired`);
    if (count === 1) this.leases.delete(version);
    else this.leases.set(version, count - 1);
    this.disposeIfIdle(version);
  }

  /** Disposes every version (at shutdown); leases still held are the caller's bug. */
  clear(): void {
    for (const v of [this.serving, this.staged, this.challenger, ...this.retired]) if (v !== null) this.dispose(v);
    this.serving = null;
    this.staged = null;
    this.challenger = null;
    this.retired.clear();
    this.leases.clear();
  }

  /** The staged version, if any, takes the traffic; the one it replaces retires. */
  private promote(): void {
    if (this.staged === null) return;
    const from = this.serving;
    this.serving = this.staged;
    this.staged = null;
    this.onEvent({ kind: 'swapped', from, to: this.serving });
    if (from !== null) {
      this.retired.add(from);
      this.disposeIfIdle(from);
    }
  }

  private disposeIfIdle(version: ModelVersion<M>): void {
    if (this.retired.has(version) && !this.leases.has(version)) {
      this.retired.delete(version);
      this.dispose(version);
      this.onEvent({ kind: 'disposed', version });
    }
  }
}
