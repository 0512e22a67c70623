// A local Sympla public API v3 for tests: GET /public/v3/events with the s_token header, Sympla's query parameters
// (page, page_size up to 200, field_sort, sort, published, from), its { data, pagination, sort } answer, null fields
// left out as Sympla does, and its { error, code, message } error body.
import { startFakeServer, type FakeAnswer, type FakeServer, type RecordedRequest } from './fake-upstream';

export interface FakeEventFields {
  name?: string;
  detail?: string | null;
  start_date?: string;
  end_date?: string;
  published?: boolean;
  cancelled?: boolean;
  private_event?: boolean;
  image?: string | null;
  address?: Record<string, string | null> | null;
  host?: { name: string; description: string } | null;
  category_prim?: string | null;
  category_sec?: string | null;
}

export type SymplaEventJson = Record<string, unknown> & { id: number };

export interface FakeSympla extends FakeServer {
  /** Adds an event (ids ascending, one day after the previous event's start unless given); returns it as the API shows it. */
  addEvent(fields?: FakeEventFields): SymplaEventJson;
  updateEvent(id: number, fields: FakeEventFields): SymplaEventJson;
  events(): SymplaEventJson[];
}

interface StoredEvent extends Required<FakeEventFields> {
  id: number;
  reference_id: number;
}

const SORT_FIELDS = ['id', 'start_date', 'end_date', 'name'] as const;
const isSortField = (v: string): v is (typeof SORT_FIELDS)[number] => (SORT_FIELDS as readonly string[]).includes(v);
const DATE = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;
const error = (status: number, message: string): FakeAnswer => ({ status, body: { error: true, code: status, message } });
const pad = (n: number) => String(n).padStart(2, '0');
/** Sympla's date format: 'YYYY-MM-DD HH:mm:ss', local time without an offset. */
const symplaDate = (ms: number): string => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** The event as Sympla shows it: flags as 1/0, categories as { name }, null fields left out. */
function render(e: StoredEvent): SymplaEventJson {
  const all: Record<string, unknown> = {
    id: e.id, reference_id: e.reference_id, start_date: e.start_date, end_date: e.end_date, name: e.name, detail: e.detail,
    private_event: e.private_event ? 1 : 0, published: e.published ? 1 : 0, cancelled: e.cancelled ? 1 : 0, image: e.image,
    address: e.address, host: e.host, category_prim: e.category_prim === null ? null : { name: e.category_prim },
    category_sec: e.category_sec === null ? null : { name: e.category_sec }, url: `https://www.sympla.com.br/evento/${e.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}/${e.id}`,
  };
  return { id: e.id, ...Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null)) };
}

export async function startFakeSympla(options: { token: string }): Promise<FakeSympla> {
  const stored: StoredEvent[] = [];

  function listEvents(req: RecordedRequest): FakeAnswer {
    const q = req.query;
    const page = Number(q.page ?? '1');
    const pageSize = Number(q.page_size ?? '100');
    const fieldSort = q.field_sort ?? 'start_date';
    const sort = (q.sort ?? 'ASC').toUpperCase();
    if (!Number.isInteger(page) || page < 1) return error(400, 'page must be a positive integer');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) return error(400, 'page_size must be between 1 and 200');
    if (!isSortField(fieldSort)) return error(400, `field_sort must be one of ${SORT_FIELDS.join(', ')}`);
    if (sort !== 'ASC' && sort !== 'DESC') return error(400, 'sort must be ASC or DESC');
    if (q.from !== undefined && !DATE.test(q.from)) return error(400, 'from must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss');
    const from = q.from === undefined ? null : q.from.length === 10 ? `${q.from} 00:00:00` : q.from;
    const publishedOnly = q.published !== 'false';
    const key = (e: StoredEvent): string | number => e[fieldSort];
    const matching = stored
      .filter((e) => !publishedOnly || e.published)
      .filter((e) => from === null || e.start_date >= from)
      .sort((a, b) => (sort === 'ASC' ? 1 : -1) * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id));
    const totalPage = Math.max(1, Math.ceil(matching.length / pageSize));
    const data = matching.slice((page - 1) * pageSize, page * pageSize).map(render);
    return {
      status: 200,
      body: {
        data,
        pagination: { has_next: page < totalPage, has_prev: page > 1, quantity: data.length, offset: (page - 1) * pageSize, page, page_size: pageSize, total_page: totalPage },
        sort: { field_sort: fieldSort, sort },
      },
    };
  }

  const server = await startFakeServer((req) => {
    if (req.headers.s_token !== options.token) return error(401, 'Unauthorized: invalid or missing s_token');
    if (req.method === 'GET' && req.path === '/public/v3/events') return listEvents(req);
    return error(404, 'Resource not found');
  });

  const find = (id: number): StoredEvent => {
    const event = stored.find((e) => e.id === id);
    if (!event) throw new Error(`fake Sympla has no event ${id}`);
    return event;
  };
  return {
    ...server,
    addEvent(fields = {}) {
      const n = stored.length + 1;
      const start = Date.UTC(2025, 0, n, 19);
      const event: StoredEvent = {
        id: 1_500_000 + n * 3, reference_id: 90_000 + n, name: `Evento ${n}`, detail: `<p>Evento ${n}</p>`,
        start_date: symplaDate(start), end_date: symplaDate(start + 3 * 3_600_000), published: true, cancelled: false, private_event: false,
        image: `https://images.sympla.com.br/evento-${n}.png`,
        address: { name: 'Centro de Convenções', address: 'Av. Paulista', address_num: '1000', address_alt: null, neighborhood: 'Bela Vista', city: 'São Paulo', state: 'SP', zip_code: '01310-100', country: 'Brasil' },
        host: { name: 'Organizadora Exemplo', description: 'Eventos de tecnologia' }, category_prim: 'congressos-palestras', category_sec: null,
        ...fields,
      };
      stored.push(event);
      return render(event);
    },
    updateEvent(id, fields) {
      return render(Object.assign(find(id), fields));
    },
    events: () => stored.map(render),
  };
}
