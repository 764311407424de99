import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a process that runs the gateway (`custos serve`, `custos demo`), applied as soon
 * as the gateway has started.
 *
 * `--no-allocation-site-pretenuring`: when most objects from one place in the code survive a
 * young-generation collection, V8 starts allocating that place's objects directly in the old
 * generation. Under load the objects of a request in flight do survive one collection, so parts
 * of every later request are born old; whatever they point to (the rest of the request: headers,
 * buffers, closures) is then kept by the next young collections and promoted, though it is dead
 * long before the next full one. Measured under echo load at 16 sessions (docs/bench.md, "The
 * GC promotion under echo load, found", with the live sets of src/core/live-set.ts): ~1 MB
 * promoted per young collection with it, ~15 KB without; 10–12 instead of ~31 µs of GC pause per
 * call, and 15–20 % less CPU per call.
 *
 * When: once the gateway has started, not earlier. V8 reads the flag at each young collection
 * (where it would decide), so at most the first few requests meet the default; and a changed flag
 * also changes the hash V8 checks Node's compiled built-in modules against, so every built-in
 * loaded after it compiles from scratch: set before the gateway's modules load, it cost ~15–20 ms
 * of cold start here.
 */
export function tuneV8ForGateway(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
}
