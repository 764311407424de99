// zod 4 turns an object schema's checks into a generated function (`new Function`) the first time
// the schema parses, which pays off over many parses. Custos parses each schema a few times, as it
// starts (its config, a policy, the masking defaults): compiling those functions for one use cost
// ~7 ms of `custos serve`'s cold start (docs/architecture.md, "Build and start"). Every parse of a
// Custos schema passes this; the option reaches the nested schemas too.
export const PARSE_ONCE = { jitless: true } as const;
