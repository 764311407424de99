import { type ResourceLimits, Worker } from 'node:worker_threads';

/**
 * Starts the worker whose module is `base` (without extension). Built, that is the .js beside
 * the caller. Run from the sources (tsx: tests, `npm run bench`), a worker does not inherit tsx's
 * loader on Node 20, so it registers tsx itself first.
 */
export function startWorker(base: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const limits = resourceLimits ? { resourceLimits } : {};
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL(`${base.href}.js`), { workerData, ...limits });
  const entry = JSON.stringify(`${base.href}.ts`);
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`;
  return new Worker(boot, { eval: true, workerData, ...limits });
}
