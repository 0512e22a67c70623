import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { key } from '../api';

export interface Page<T> {
  items: T[];
  next_cursor: number | null;
}

/**
 * A list read page by page through the API's cursor (`cursor` = the previous page's next_cursor). Changing the
 * filters goes back to the first page. The query key is the path plus filters and cursor.
 */
export function usePagedList<T>(path: string, filters: Record<string, unknown>, fetchPage: (cursor: number | undefined) => Promise<Page<T>>, options: { refetchInterval?: number } = {}) {
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const filterKey = JSON.stringify(filters);
  useEffect(() => setCursors([undefined]), [filterKey]);
  const cursor = cursors[cursors.length - 1];
  const query = useQuery({
    queryKey: key(path, { ...filters, cursor }),
    queryFn: () => fetchPage(cursor),
    placeholderData: keepPreviousData,
    refetchInterval: options.refetchInterval,
  });
  return {
    ...query,
    page: cursors.length - 1,
    hasNext: query.data?.next_cursor !== null && query.data?.next_cursor !== undefined,
    first: () => setCursors([undefined]),
    next: () => {
      const nextCursor = query.data?.next_cursor;
      if (nextCursor !== null && nextCursor !== undefined) setCursors((c) => [...c, nextCursor]);
    },
  };
}
