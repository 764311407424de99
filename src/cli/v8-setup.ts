// The CLI's first import: V8 is set (src/core/v8-tuning.ts) before any other module runs, so no
// allocation decision is taken under the defaults while the gateway loads.
import { tuneV8ForGateway } from '../core/v8-tuning.ts';

tuneV8ForGateway();
