import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { api, key, setCsrfToken, unwrap, type Schemas } from './api';

export type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const roleAllows = (have: Role | undefined, need: Role): boolean => have !== undefined && RANK[have] >= RANK[need];

type SessionAnswer = Schemas['Session'];

interface SessionContext {
  session: SessionAnswer | undefined;
  loading: boolean;
  /** Whether the signed-in principal's role allows `need` (the API enforces it anyway; this only hides controls). */
  can(need: Role): boolean;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const Context = createContext<SessionContext | null>(null);
export const SESSION_KEY = key('/api/v1/session');

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: SESSION_KEY,
    queryFn: async () => {
      const answer = await unwrap(api.GET('/api/v1/session'));
      // Set before the pages render: their first requests (a POST read such as /clients/count) start in effects that
      // run before this provider's own effect.
      setCsrfToken(answer.csrf_token ?? undefined);
      return answer;
    },
    staleTime: 60_000,
  });
  const session = query.data;
  useEffect(() => setCsrfToken(session?.csrf_token ?? undefined), [session?.csrf_token]);

  const refresh = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
  }, [queryClient]);
  const signOut = useCallback(async () => {
    const answer = await unwrap(api.DELETE('/api/v1/session'));
    setCsrfToken(undefined);
    queryClient.clear();
    if (answer?.logout_url) window.location.assign(answer.logout_url);
    else await queryClient.invalidateQueries({ queryKey: SESSION_KEY });
  }, [queryClient]);

  const value = useMemo<SessionContext>(
    () => ({
      session,
      loading: query.isPending,
      can: (need) => roleAllows(session?.principal?.role as Role | undefined, need),
      signOut,
      refresh,
    }),
    [session, query.isPending, signOut, refresh],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useSession(): SessionContext {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
