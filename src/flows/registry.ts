import type { Config } from '../config.js';
import type { HandlerRegistry } from '../worker/types.js';

/** The handler of each event type. Types without one are recorded as `ignored`. */
export function buildHandlers(_config: Config): HandlerRegistry {
  return {};
}
