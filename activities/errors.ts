// Named error classes: the workflow's retry policies refer to them by name (ApplicationFailure type = error.name).

/** The provider is down, timing out or answering garbage for a whole streak: back off (retryable). */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The mailing row is gone (deleted while its workflow ran): nothing left to do (non-retryable). */
export class MailingNotFoundError extends Error {
  override readonly name = 'MailingNotFoundError';
  constructor(readonly mailingId: number) {
    super(`mailing ${mailingId} not found`);
  }
}

/**
 * PostgreSQL refused a statement for its data (SQLSTATE class 22, data exception, or 23, integrity constraint
 * violation): the same statement will be refused every time, so retrying cannot help (non-retryable).
 */
export class DataRejectedError extends Error {
  override readonly name = 'DataRejectedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Runs a write; a refusal of its data becomes a DataRejectedError, anything else (an outage) is rethrown as is. */
export async function refusingBadData<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && /^2[23]/.test(code)) throw new DataRejectedError((err as Error).message, { cause: err });
    throw err;
  }
}

export const NON_RETRYABLE_ACTIVITY_ERRORS = ['MailingNotFoundError', 'DataRejectedError'];
