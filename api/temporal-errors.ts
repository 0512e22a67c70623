import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ConflictError, ServiceUnavailableError, ValidationError } from './errors';

/** Maps Temporal client failures to API errors: a rejected update is a 409, an unreachable server a 503. */
export async function withTemporal<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      throw new ConflictError(`The mailing workflow refused the change: ${reason}`);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new ServiceUnavailableError(`The mailing workflow did not confirm the ${what} in time (is a worker running?); it applies when a worker picks it up.`, err);
    }
    if (err instanceof WorkflowNotFoundError) throw new ConflictError(`The mailing workflow is not running (${what}).`);
    if (err instanceof ServiceError) throw new ServiceUnavailableError(`Temporal is unavailable (${what}); nothing was changed.`, err);
    throw err;
  }
}

export const isWorkflowGone = (err: unknown): boolean => err instanceof WorkflowNotFoundError;

const GRPC_INVALID_ARGUMENT = 3;

/**
 * Why creating or changing a Schedule failed: a spec Temporal refuses is a 400 on `field` (the schedule client turns
 * the server's INVALID_ARGUMENT into a TypeError); a Temporal that cannot be reached is a 503 saying `what` could not be
 * done. Anything else stays what it is.
 */
export function scheduleError(err: unknown, field: string, what: string): unknown {
  if (err instanceof TypeError) return new ValidationError([{ path: field, message: `Temporal refused the schedule: ${err.message}` }]);
  if (err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === GRPC_INVALID_ARGUMENT) {
    return new ValidationError([{ path: field, message: `Temporal refused the schedule: ${err.cause.details || err.message}` }]);
  }
  if (err instanceof ServiceError) return new ServiceUnavailableError(`Temporal is unavailable, so ${what}; nothing was changed.`, err);
  return err;
}
