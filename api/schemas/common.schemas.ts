import { z } from '../openapi';

export const IdParams = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 1 }) });

export const PaginationQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Page size (1-500)' }),
  cursor: z.coerce.number().int().min(0).optional().openapi({ description: 'next_cursor from the previous page' }),
};

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: z.number().int().nullable() }).openapi(name);

/** Cursor pagination in id order: next_cursor is the last id when the page is full. */
export function toPage<T extends { id: number }, R>(rows: T[], limit: number, present: (row: T) => R) {
  return { items: rows.map(present), next_cursor: rows.length === limit ? rows[rows.length - 1].id : null };
}

export const isoDate = (description: string) =>
  z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00Z' }).openapi({ description });
