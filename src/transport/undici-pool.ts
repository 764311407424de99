import { createRequire } from 'node:module';
import type { Pool as PoolClass, errors as undiciErrorsType } from 'undici';

// The data path needs undici's Pool and its error classes, not its index: that loads fetch,
// WebSocket, the caches and the mock agents too — ~60 ms of a ~300 ms cold start here. undici
// has no exports map, so these files are reachable; test/transport/undici-pool.test.ts checks
// they are the very objects the index exports, so an upgrade that moves them fails there.

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolClass;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof undiciErrorsType;
