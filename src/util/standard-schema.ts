/**
 * The Standard Schema interface (standardschema.dev), so `argTypes` accepts a valibot (or zod, or
 * arktype) schema without parproc depending on any of them at the type level.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string }> };

export function isStandardSchema(x: unknown): x is StandardSchemaV1 {
  return typeof x === 'object' && x !== null && '~standard' in x;
}
