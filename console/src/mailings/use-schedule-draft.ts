import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api';
import { invalidateMailings, mailingKey } from './use-live-progress';

/**
 * "Schedule" on a draft's page: POST /mailings/{id}/schedule with the draft's own times. A refusal (an end no longer
 * in the future) is the API's problem naming body.ends_at; on success the page shows the mailing as scheduled (its
 * workflow runs) and every list reads again.
 */
export function useScheduleDraft(mailingId: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/mailings/{id}/schedule', { params: { path: { id: mailingId } }, body: {} })),
    onSuccess: async (saved) => {
      queryClient.setQueryData(mailingKey(mailingId), saved);
      await invalidateMailings(queryClient);
    },
  });
}
