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

export const NON_RETRYABLE_ACTIVITY_ERRORS = ['MailingNotFoundError'];
