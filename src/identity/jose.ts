// jose (JOSE/JWT) loads when a token is first verified or signed, not at the gateway's start: its
// ~45 modules are ~35 ms of a cold start, and a gateway with `auth.mode: none` never needs them.

type Jose = typeof import('jose');
let loading: Promise<Jose> | undefined;

/** The jose module, imported once. */
export function jose(): Promise<Jose> {
  loading ??= import('jose');
  return loading;
}
