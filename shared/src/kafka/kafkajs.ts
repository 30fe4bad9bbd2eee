// The one place kafkajs's code is loaded, on first use, after its faster paths are put in place (kafkajs-fast-paths.ts).
import type * as KafkaJS from 'kafkajs';
import { installFastPaths, keepOwnPaths, type FastPathsState } from './kafkajs-fast-paths';

let loaded: typeof KafkaJS | undefined;

/**
 * kafkajs, loaded the first time it is asked for: with the fast paths unless `fastPaths` is false.
 * The first call decides for the whole process, since kafkajs's modules load once.
 */
export function loadKafkajs(fastPaths: boolean): { kafkajs: typeof KafkaJS; fastPaths: FastPathsState } {
  const state = fastPaths ? installFastPaths() : keepOwnPaths('KAFKAJS_FAST_PATHS=off');
  // A require, not an import: kafkajs must load after the fast paths are in place.
  loaded ??= require('kafkajs') as typeof KafkaJS;
  return { kafkajs: loaded, fastPaths: state };
}
