// Not `createRequire` by that name: the bundle's banner (package.json "build") declares it already.
import { createRequire as requireFrom } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = requireFrom(import.meta.url);

/** The first Node version that runs better-sqlite3 13 (its `engines`). */
const NODE_API_FROM = 22;

/**
 * better-sqlite3, in the build that works on the Node running: two releases of one library, the
 * same API (package.json holds both).
 *
 * - 12 (`better-sqlite3`) wraps its objects in `node::ObjectWrap`, whose Node 24 header removes an
 *   environment cleanup hook in the destructor: when the garbage collector frees a statement with
 *   no JavaScript context entered, Node 24 aborts the process (`Assertion failed: (env) !=
 *   nullptr` in RemoveEnvironmentCleanupHook).
 * - 13 (`better-sqlite3-napi`, an npm alias) is rewritten on Node-API, ships prebuilt binaries
 *   (nothing to compile or download) and needs Node 22 or later: on Node 20 it crashes.
 *
 * Node 22 and later (production runs 24) get 13; Node 20 — still the machines' here — gets 12.
 * Once no machine runs Node 20, 12 and this choice go.
 */
export function sqliteDriver(): typeof BetterSqlite3 {
  return require(sqliteDriverPackage()) as typeof BetterSqlite3;
}

/** Which package `sqliteDriver` loads on a Node of `nodeVersion`. */
export function sqliteDriverPackage(nodeVersion = process.versions.node): 'better-sqlite3' | 'better-sqlite3-napi' {
  return Number(nodeVersion.split('.')[0]) >= NODE_API_FROM ? 'better-sqlite3-napi' : 'better-sqlite3';
}
