// One error type for every gRPC failure, on both sides of a call.
//
// A handler throws `GrpcError` to end a call with a chosen status; any other exception is
// a bug and ends the call with INTERNAL (the original error is reported to the server's
// error hook, never sent to the caller). On the client, every failed call rejects with a
// `GrpcError`, so callers switch on `code` without knowing grpc-js.
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';

export { status as GrpcStatus };

/** A gRPC status code (grpc-js's `status` enum). */
export type GrpcStatusCode = status;

/** A failed gRPC call: a status code, a message, and trailing metadata. */
export class GrpcError extends Error {
  override readonly name = 'GrpcError';

  /**
   * @param code the gRPC status code.
   * @param message the status details sent to the caller.
   * @param metadata trailing metadata sent with the status.
   */
  constructor(
    readonly code: GrpcStatusCode,
    message: string,
    readonly metadata: Metadata = new Metadata(),
  ) {
    super(message);
  }

  /** The status code's name, for example `DEADLINE_EXCEEDED`. */
  get codeName(): string {
    return status[this.code];
  }

  /** Converts anything thrown by grpc-js (or a handler) into a `GrpcError`. */
  static from(error: unknown): GrpcError {
    if (error instanceof GrpcError) return error;
    if (isServiceError(error)) {
      return new GrpcError(error.code, error.details, error.metadata ?? new Metadata());
    }
    const message = error instanceof Error ? error.message : String(error);
    return new GrpcError(status.INTERNAL, message);
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === 'number' &&
    typeof (error as Partial<ServiceError>).details === 'string'
  );
}

/** Builds the error object grpc-js expects from a handler. */
export function toServiceError(error: GrpcError): Partial<ServiceError> {
  return { code: error.code, details: error.message, metadata: error.metadata };
}
