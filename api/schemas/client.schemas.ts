import { z } from '../openapi';
import { page, PaginationQuery, patchBody, timeZone } from './common.schemas';

const phone = z.string().regex(/^7\d{10}$/, 'must be 7XXXXXXXXXX (11 digits starting with 7)').openapi({ example: '79001234567' });
const operatorCode = z.string().regex(/^\d{3}$/, 'must be 3 digits').openapi({ example: '900' });
const tag = z.string().max(64, 'at most 64 characters').openapi({ example: 'vip' });
const timezone = timeZone();

export const ClientSchema = z
  .object({
    id: z.number().int(),
    phone,
    operator_code: operatorCode,
    tag: z.string(),
    timezone: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Client');

export const CreateClientBody = z
  .object({
    phone,
    operator_code: operatorCode.optional().openapi({ description: 'Defaults to digits 2-4 of the phone' }),
    tag: tag.default(''),
    timezone,
  })
  .strict()
  .openapi('CreateClient');

export const UpdateClientBody = patchBody(
  { phone: phone.optional(), operator_code: operatorCode.optional(), tag: tag.optional(), timezone: timezone.optional() },
  'UpdateClient',
);

export const ClientListQuery = z.object({
  ...PaginationQuery,
  operator_code: operatorCode.optional(),
  tag: z.string().max(64).optional(),
  timezone: z.string().optional(),
  phone: phone.optional(),
});

export const ClientPage = page(ClientSchema, 'ClientPage');
