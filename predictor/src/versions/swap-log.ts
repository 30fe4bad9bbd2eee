import type { Logger } from '@hotswap/shared/telemetry';
import type { HostedModel } from '../inference/threads';
import type { PredictorMetrics } from '../metrics';
import type { SwapEvent } from './hot-swap';
import { decisionReason } from './status';

/** What the hot swap says, as log lines and metrics: an operator reads the swap's story in the log. */
export function logSwapEvents(modelName: string, logger: Logger, metrics: PredictorMetrics): (event: SwapEvent<HostedModel>) => void {
  return (event) => {
    switch (event.kind) {
      case 'caught-up':
        logger.info(
          `model topic read: ${event.versions} version(s) of ${modelName} found${event.pin === null ? '' : `, pinned to v${event.pin}`}`,
        );
        break;
      case 'not-serving':
        if (event.why === 'not-newer') {
          logger.info(`not serving ${modelName} v${event.version}: v${event.next} is newer or the same`);
          metrics.modelRejected('stale-version');
        } else {
          logger.info(`not serving ${modelName} v${event.version} yet: pinned to v${event.pin}`);
        }
        break;
      case 'operator': {
        const { control } = event;
        const what = control.action === 'unpin' ? 'unpinned: serving the newest version again' : `${control.action} to v${control.version}`;
        logger.info(`operator ${what} (by ${control.requestedBy}${control.reason === null ? '' : `: ${control.reason}`})`);
        break;
      }
      case 'decision': {
        const { control } = event;
        if (!event.applied) {
          logger.info(`decision ${control.action} v${control.version} changes nothing here (already decided, or not a candidate)`);
          break;
        }
        logger.info(`${modelName} v${control.version} ${decisionReason(control)}`);
        metrics.decided(control.action === 'promote' ? 'promoted' : 'rejected');
        break;
      }
      case 'challenger':
        logger.info(
          `challenger ${event.version.name} v${event.version.version} (${event.version.model.record.architecture}) scored beside the serving version on every labelled sample; its predictions are not written`,
        );
        metrics.challenger(event.version.version);
        break;
      case 'challenger-dropped':
        logger.info(`challenger ${event.version.name} v${event.version.version} no longer scored: ${event.why}`);
        metrics.challenger(null);
        break;
      case 'pin-unmet':
        logger.warn(`pinned v${event.pin} cannot serve here (not read yet, rejected, or no longer kept); serving the newest valid version`);
        break;
      case 'loaded':
        if (event.challenger) {
          logger.info(
            `loaded candidate ${event.record.name} v${event.record.version} (${event.record.architecture}) in ${event.model.loadMs.toFixed(0)} ms, as the challenger`,
          );
          break;
        }
        if (event.trial) {
          logger.info(`checked that ${event.record.name} v${event.record.version} loads (${event.model.loadMs.toFixed(0)} ms)`);
          break;
        }
        logger.info(
          `loaded ${event.record.name} v${event.record.version} (${event.record.architecture}) in ${event.model.loadMs.toFixed(0)} ms; swapping at the next batch`,
        );
        metrics.modelLoaded(event.model.loadMs);
        break;
      case 'rejected':
        logger.error(event.message);
        metrics.modelRejected(event.reason);
        break;
      case 'unwanted':
        logger.info(`discarded ${modelName} v${event.version}: no longer the version to serve`);
        break;
      case 'swapped':
        logger.info(
          `swapped ${event.from === null ? 'in' : `v${event.from.version} ->`} ${event.to.name} v${event.to.version} (${event.to.model.record.architecture}, held-out accuracy ${event.to.model.record.metrics.accuracy.toFixed(4)})`,
        );
        metrics.swapped(event.to.model);
        break;
      case 'discarded':
        logger.info(`discarded ${event.version.name} v${event.version.version}: ${event.why}`);
        break;
      case 'disposed':
        logger.debug(`disposed ${event.version.name} v${event.version.version}`);
        break;
      case 'staged':
        break;
    }
  };
}
