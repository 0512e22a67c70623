import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from '@tanstack/react-table';
import { useTranslation } from 'react-i18next';

/**
 * A table of rows (TanStack Table), scrolling sideways on narrow screens. `caption` names it for screen readers.
 * Pagination is the API's cursor: see usePagedList and CursorPager.
 */
export function DataTable<T>({ rows, columns, caption, rowKey }: { rows: T[]; columns: ColumnDef<T, any>[]; caption: string; rowKey?: (row: T) => string | number }) {
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), getRowId: rowKey ? (row) => String(rowKey(row)) : undefined });
  return (
    <div className="table-wrap" role="region" aria-label={caption} tabIndex={0}>
      <table className="striped">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col">
                  {header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => (
                <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** First / next page buttons for the API's cursor pagination. */
export function CursorPager({ page, hasNext, onFirst, onNext }: { page: number; hasNext: boolean; onFirst: () => void; onNext: () => void }) {
  const { t } = useTranslation();
  if (page === 0 && !hasNext) return null;
  return (
    <nav className="pager" aria-label="pagination">
      <button type="button" className="outline" disabled={page === 0} onClick={onFirst}>
        {t('common.actions.first')}
      </button>
      <button type="button" className="outline" disabled={!hasNext} onClick={onNext}>
        {t('common.actions.next')}
      </button>
    </nav>
  );
}
