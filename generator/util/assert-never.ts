/**
 * The `default` of a switch over a discriminated union that handles every member: `x` has type
 * `never` there, so adding a member to the union makes each such switch a compile error
 * ("Argument of type '…' is not assignable to parameter of type 'never'") until it is handled.
 */
export function assertNever(x: never): never {
  throw new Error(`unhandled kind: ${JSON.stringify((x as { kind?: unknown } | null)?.kind ?? x)}`);
}
