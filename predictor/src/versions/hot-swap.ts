import { ModelRejected, isDecision, type ModelControl, type ModelRecord, type RejectionReason } from '@hotswap/shared/contracts';
import { ControlRefused, type ModelStatus } from '../http/serving';
import { ModelCatalog } from './catalog';
import { keepChallenger, keepLoaded, nextAction, notServingYet, pinUnmet, rollbackTarget } from './policy';
import { ModelRegistry, type Lease, type RegistryEvent } from './registry';
import { decisionReason, statusOf, type LiveFigures } from './status';

/** Loads models for the swap; in the predictor, on the inference thread the next version is not on. */
export interface VersionLoader<M> {
  /** Verifies, loads and warms up a record beside `besides` (the model taking the next batch), so predicting goes on. */
  load(record: ModelRecord, besides: M | null): Promise<M>;
  dispose(model: M): void;
}

/** What the swap tells the service, for its log and metrics. */
export type SwapEvent<M> =
  | { kind: 'caught-up'; versions: number; pin: number | null }
  | { kind: 'not-serving'; version: number; why: 'not-newer' | 'pinned-elsewhere'; next: number | null; pin: number | null }
  | { kind: 'operator'; control: ModelControl }
  /** A decision on a candidate read from the model topic; `applied` false when it changed nothing (a repeat, or about a release). */
  | { kind: 'decision'; control: ModelControl; applied: boolean }
  | { kind: 'pin-unmet'; pin: number }
  /** `trial`: loaded only to check that it can serve (before a pin or rollback is written), then disposed; `challenger`: loaded to be scored in shadow. */
  | { kind: 'loaded'; record: ModelRecord; model: M; trial: boolean; challenger: boolean }
  | { kind: 'rejected'; record: ModelRecord; reason: RejectionReason | 'load-failed'; message: string }
  | { kind: 'unwanted'; version: number }
  | RegistryEvent<M>;

/**
 * The hot swap of one model's versions: catalogues each version read from the model topic, asks
 * the policy what should serve, loads it beside the serving one, stages it, and lets the registry
 * swap it in between two batches. Every version's state is the catalog's; every decision the
 * policy's. No I/O of its own: loading is the loader's, the log and metrics the events' listener's.
 */
export class HotSwap<M> {
  private readonly catalog: ModelCatalog;
  private readonly registry: ModelRegistry<M>;
  private caughtUp = false;
  /** The pin last reported as unmet, so it is reported once per pin. */
  private unmetPinReported: number | null = null;
  /** When each version began loading, for the time to its first prediction. */
  private readonly loadStartedAt = new Map<number, number>();

  constructor(
    readonly modelName: string,
    keepRecords: number,
    private readonly loader: VersionLoader<M>,
    private readonly onEvent: (event: SwapEvent<M>) => void,
  ) {
    this.catalog = new ModelCatalog(keepRecords);
    this.registry = new ModelRegistry<M>(
      (v) => loader.dispose(v.model),
      (event) => {
        this.followRegistry(event);
        onEvent(event);
      },
    );
  }

  get hasModel(): boolean {
    return this.registry.hasModel;
  }

  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  /** The version serving now, if any (a staged one takes over at the next batch). */
  get servingVersion(): { name: string; version: number } | null {
    return this.registry.servingVersion;
  }

  /** At a batch start: the version it predicts with (a staged one takes over here). */
  acquire(): Lease<M> {
    return this.registry.acquire();
  }

  release(lease: Lease<M>): void {
    this.registry.release(lease);
  }

  /** The challenger scored beside the serving version, if any. */
  get challengerVersion(): { name: string; version: number } | null {
    return this.registry.challengerVersion;
  }

  /** A version read from the model topic (a candidate serves only once promoted). Until the topic was read to its end, it is only catalogued. */
  async add(record: ModelRecord, candidate = false): Promise<void> {
    this.catalog.add(record, candidate);
    if (!this.caughtUp) return;
    const snapshot = this.catalog.snapshot();
    const why = notServingYet(snapshot, record.version);
    if (why !== null && !candidate) {
      // Still catalogued: an operator may pin or roll back to it.
      this.onEvent({
        kind: 'not-serving',
        version: record.version,
        why,
        next: this.registry.nextVersion?.version ?? null,
        pin: snapshot.pin,
      });
    }
    await this.reconcile();
  }

  /** A control record read from the model topic: the pin it sets (or lifts), or the decision it records, is followed at once. */
  async control(control: ModelControl): Promise<void> {
    if (isDecision(control.action)) {
      const applied = this.catalog.decide(control.version as number, control.action === 'promote', decisionReason(control));
      if (!this.caughtUp) return;
      this.onEvent({ kind: 'decision', control, applied });
      await this.reconcile();
      return;
    }
    this.catalog.setPin(control.action === 'unpin' ? null : control.version);
    if (!this.caughtUp) return;
    this.onEvent({ kind: 'operator', control });
    await this.reconcile();
  }

  /** The topic was read to its end: serve the pinned version, else the newest valid one. */
  async catchUp(): Promise<void> {
    this.caughtUp = true;
    this.catalog.startTrimming();
    this.onEvent({ kind: 'caught-up', versions: this.catalog.newestFirst().length, pin: this.catalog.pinned });
    await this.reconcile();
  }

  /** Milliseconds from a version's load start to its first prediction, once (null after that). */
  firstPrediction(version: number, predictedAt: number): number | null {
    const started = this.loadStartedAt.get(version);
    if (started === undefined) return null;
    this.loadStartedAt.delete(version);
    return predictedAt - started;
  }

  /** Does what the policy says until it says nothing is left to do. */
  private async reconcile(): Promise<void> {
    for (;;) {
      const snapshot = this.catalog.snapshot();
      if (pinUnmet(snapshot) && this.unmetPinReported !== snapshot.pin) {
        this.unmetPinReported = snapshot.pin;
        this.onEvent({ kind: 'pin-unmet', pin: snapshot.pin as number });
      }
      const action = nextAction(snapshot);
      if (action.kind === 'unstage') {
        this.registry.unstage(`pinned to the serving v${snapshot.pin}`);
        continue;
      }
      if (action.kind === 'drop-challenger') {
        const standing = this.catalog.get(action.version)?.standing;
        this.registry.dropChallenger(
          standing === 'lost'
            ? 'rejected on live evidence'
            : standing === 'promoted'
              ? 'promoted, but a pin or a newer version serves'
              : 'an earlier candidate comes first',
        );
        continue;
      }
      if (action.kind === 'stage-challenger') {
        this.catalog.move(action.version, 'ready');
        this.loadStartedAt.set(action.version, Date.now());
        this.registry.stageChallenger();
        continue;
      }
      if (action.kind === 'load-challenger') {
        await this.loadChallenger(action.version);
        continue;
      }
      if (action.kind !== 'load') return;
      const { version } = action;
      const record = this.catalog.get(version)?.record as ModelRecord;
      this.catalog.move(version, 'loading');
      this.loadStartedAt.set(version, Date.now());
      const model = await this.tryLoad(record);
      if (model === null) {
        this.loadStartedAt.delete(version);
        continue;
      }
      if (!keepLoaded(this.catalog.snapshot(), version)) {
        this.catalog.move(version, 'seen');
        this.loader.dispose(model);
        this.loadStartedAt.delete(version);
        this.onEvent({ kind: 'unwanted', version });
        continue;
      }
      this.catalog.move(version, 'ready');
      this.registry.stage({ name: record.name, version, model });
    }
  }

  /** Loads a candidate beside the serving version and sets it as the challenger, if it is still the one to score. */
  private async loadChallenger(version: number): Promise<void> {
    const record = this.catalog.get(version)?.record as ModelRecord;
    this.catalog.move(version, 'loading');
    const model = await this.tryLoad(record, 'challenger');
    if (model === null) return;
    this.catalog.move(version, 'shadow');
    if (!keepChallenger(this.catalog.snapshot(), version)) {
      this.catalog.move(version, 'seen');
      this.loader.dispose(model);
      this.onEvent({ kind: 'unwanted', version });
      return;
    }
    this.registry.setChallenger({ name: record.name, version, model });
  }

  /** Loads a record; a failure rejects the version for good (logged by the listener). */
  private async tryLoad(record: ModelRecord, purpose: 'serve' | 'trial' | 'challenger' = 'serve'): Promise<M | null> {
    try {
      const model = await this.loader.load(record, this.registry.nextVersion?.model ?? null);
      this.onEvent({ kind: 'loaded', record, model, trial: purpose === 'trial', challenger: purpose === 'challenger' });
      return model;
    } catch (e) {
      const reason = e instanceof ModelRejected ? e.reason : 'load-failed';
      const message = e instanceof ModelRejected ? e.message : `model ${record.name} v${record.version} rejected: ${(e as Error).message}`;
      this.catalog.reject(record.version, message);
      this.onEvent({ kind: 'rejected', record, reason, message });
      return null;
    }
  }

  /** The registry swaps and discards; each version's state follows here. */
  private followRegistry(event: RegistryEvent<M>): void {
    if (event.kind === 'swapped') {
      this.catalog.move(event.to.version, 'serving');
      if (event.from !== null) this.catalog.move(event.from.version, 'retired');
    } else if (event.kind === 'discarded' || event.kind === 'challenger-dropped') {
      this.catalog.move(event.version.version, 'seen');
    }
  }

  /**
   * Checks a management request against what this replica knows, and returns the version it goes
   * to (a rollback without one goes to the newest valid version older than the serving one). A
   * version that never loaded here is loaded and disposed first, so a bad one is refused before
   * every replica is told to serve it. Throws ControlRefused with the HTTP status that says why.
   */
  async checkControl(action: 'pin' | 'unpin' | 'rollback', version: number | null, modelHistory: number): Promise<number | null> {
    const name = this.modelName;
    if (action === 'unpin') return null;
    const snapshot = this.catalog.snapshot();
    const serving = this.registry.servingVersion?.version ?? null;
    if (version === null && action === 'rollback') {
      const to = rollbackTarget(snapshot);
      if (to === null) {
        const from = serving === null ? 'no version serves yet' : `v${serving} serves`;
        throw new ControlRefused(409, `no valid version of ${name} older than the serving one to roll back to (${from})`);
      }
      version = to;
    }
    if (version === null) throw new ControlRefused(409, `${action} needs a version`);
    const entry = this.catalog.get(version);
    if (entry === undefined) {
      const known = snapshot.versions.map((v) => v.version);
      throw new ControlRefused(404, `model ${name} has no version ${version} (known: ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
    if (entry.rejection !== null) throw new ControlRefused(409, `${name} v${version} cannot serve: ${entry.rejection}`);
    if (entry.record === null)
      throw new ControlRefused(409, `${name} v${version} is no longer kept in memory (MODEL_HISTORY=${modelHistory})`);
    if (action === 'rollback' && serving !== null && version >= serving) {
      throw new ControlRefused(409, `rollback goes to an earlier version: v${version} is not older than the serving v${serving}`);
    }
    if (entry.state === 'seen' || entry.state === 'retired') await this.trialLoad(entry.record);
    return version;
  }

  /** Loads a version beside the serving one and disposes it; a failure rejects the version and refuses the request. */
  private async trialLoad(record: ModelRecord): Promise<void> {
    this.catalog.move(record.version, 'loading');
    const model = await this.tryLoad(record, 'trial');
    if (model !== null) {
      this.loader.dispose(model);
      this.catalog.move(record.version, 'seen');
    }
    // A version that arrived meanwhile waited for this load to end (the policy loads one at a time).
    await this.reconcile();
    if (model === null) {
      throw new ControlRefused(409, `${record.name} v${record.version} cannot serve: ${this.catalog.get(record.version)?.rejection ?? ''}`);
    }
  }

  /** Every version known, newest first, with its state; what serves, and the pin. */
  status(live: (version: number) => LiveFigures): ModelStatus {
    return statusOf(this.modelName, this.registry.servingVersion?.version ?? null, this.catalog, live);
  }

  /** Disposes every loaded version (at shutdown). */
  clear(): void {
    this.registry.clear();
  }
}
