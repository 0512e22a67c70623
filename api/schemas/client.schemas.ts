import { z } from '../openapi';
import { decimalInteger, page, PaginationQuery, patchBody, timeZone } from './common.schemas';
import { FilterSchema } from './mailing.schemas';

export const phone = z.string().regex(/^7\d{10}$/, 'must be 7XXXXXXXXXX (11 digits starting with 7)').openapi({ example: '79001234567' });
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

export const ClientFacetsQuery = z.object({
  limit: decimalInteger({ min: 1, max: 1000, description: 'Values per facet, most frequent first (1-1000)', example: 100 }).default(100),
});

const facetValues = (description: string) =>
  z.array(z.object({ value: z.string(), count: z.number().int().min(0) }).openapi('FacetValue')).openapi({ description });

export const ClientFacetsSchema = z
  .object({
    operator_codes: facetValues('Operator codes with their client counts, most frequent first'),
    tags: facetValues("Tags with their client counts, most frequent first ('' is the empty tag)"),
    timezones: facetValues('Client time zones with their client counts, most frequent first'),
    total: z.number().int().min(0).openapi({ description: 'Every client' }),
    limit: z.number().int().openapi({ description: 'At most this many values per facet (a facet this long may have more)' }),
  })
  .openapi('ClientFacets', { description: "Values a mailing's filter can offer, from the data" });

export const ClientCountBody = z
  .object({
    ...FilterSchema.shape,
    by_timezone: z.boolean().default(false).openapi({ description: 'Also count the matching clients per time zone' }),
  })
  .strict()
  .openapi('ClientCountQuery', { description: 'A mailing filter (empty list = any; any-of within a field, AND across fields) and options' });

export const ClientCountSchema = z
  .object({
    count: z.number().int().min(0).openapi({ description: 'Clients a mailing with this filter would address now' }),
    timezones: z
      .array(z.object({ timezone: z.string(), count: z.number().int().min(0) }))
      .nullable()
      .openapi({ description: 'With by_timezone: the matching clients per time zone, most first; else null' }),
  })
  .openapi('ClientCount');
