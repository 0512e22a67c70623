import { z } from '../openapi';
import { phone } from './client.schemas';
import { isoDate } from './common.schemas';

export const MAX_TEST_PHONES = 10;

export const ScheduleMailingBody = z
  .object({
    starts_at: isoDate("New start (a past time starts at once); the draft's own when left out").optional(),
    ends_at: isoDate("New end, in the future; the draft's own when left out").optional(),
  })
  .strict()
  .openapi('ScheduleMailing', { description: 'Optional new times for the draft being scheduled ({} keeps its own)' });

export const MailingTestBody = z
  .object({
    phones: z
      .array(phone)
      .min(1, 'give at least one phone')
      .max(MAX_TEST_PHONES, `at most ${MAX_TEST_PHONES} phones`)
      .superRefine((phones, ctx) => {
        phones.forEach((p, i) => {
          if (phones.indexOf(p) !== i) ctx.addIssue({ code: 'custom', path: [i], message: 'is already in the list' });
        });
      })
      .openapi({ description: `1-${MAX_TEST_PHONES} distinct phones, 7XXXXXXXXXX; they need not be clients` }),
  })
  .strict()
  .openapi('MailingTest');

export const TestSendResultSchema = z
  .object({
    phone: z.string(),
    ok: z.boolean().openapi({ description: 'The provider took the message' }),
    outcome: z.enum(['sent', 'failed', 'unknown']).openapi({
      description: 'sent: the provider took it; failed: it answered that it did not; unknown: no usable answer (a timeout, a lost connection, an unreadable answer): it may have sent it',
    }),
    status_code: z.number().int().nullable().openapi({ description: "The provider's HTTP status when it answered with an error; null for a success and when no answer came" }),
    provider_message_id: z.number().int().openapi({ description: 'The message id the provider was called with (POST /send/{id}); test ids start at 900000000000000, apart from real messages' }),
    error: z.string().nullable(),
    duration_ms: z.number().int().nullable(),
  })
  .openapi('MailingTestSendResult');

export const MailingTestResultSchema = z
  .object({
    mailing_id: z.number().int(),
    workflow_id: z.string().openapi({ description: 'The test run in Temporal (mailing-test-<mailing id>-<uuid>)' }),
    results: z.array(TestSendResultSchema).openapi({ description: 'One per phone, in the order given' }),
  })
  .openapi('MailingTestResult');
