import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { knownTimeZones } from '../lib/time-zones';

type Client = Schemas['Client'];
const FIELDS = ['phone', 'operator_code', 'tag', 'timezone'];

/** Create a client, or change one (only the fields that changed are sent). Errors appear next to their fields. */
export function ClientForm({ client, onDone }: { client?: Client; onDone: (saved: Client) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    phone: client?.phone ?? '',
    operator_code: client?.operator_code ?? '',
    tag: client?.tag ?? '',
    timezone: client?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
  });
  const save = useMutation({
    mutationFn: async () => {
      if (!client) {
        return unwrap(
          api.POST('/api/v1/clients', {
            body: { phone: form.phone.trim(), tag: form.tag.trim(), timezone: form.timezone.trim() as Schemas['TimeZone'], ...(form.operator_code.trim() ? { operator_code: form.operator_code.trim() } : {}) },
          }),
        );
      }
      const changed = Object.fromEntries(Object.entries(form).filter(([k, v]) => v.trim() !== String(client[k as keyof Client] ?? '')).map(([k, v]) => [k, v.trim()]));
      return unwrap(api.PATCH('/api/v1/clients/{id}', { params: { path: { id: client.id } }, body: changed }));
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['/api/v1/clients'] });
      onDone(saved);
    },
  });
  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [name]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <form onSubmit={submit} aria-label={client ? t('clients.edit', { phone: client.phone }) : t('clients.new')}>
      <div className="grid">
        <Field label={t('clients.field.phone')} name="phone" error={save.error} hint={t('clients.hint.phone')}>
          <input inputMode="numeric" autoComplete="off" required value={form.phone} onChange={set('phone')} />
        </Field>
        <Field label={t('clients.field.operatorCode')} name="operator_code" error={save.error} hint={t('clients.hint.operatorCode')}>
          <input inputMode="numeric" value={form.operator_code} onChange={set('operator_code')} />
        </Field>
      </div>
      <div className="grid">
        <Field label={t('clients.field.tag')} name="tag" error={save.error}>
          <input value={form.tag} onChange={set('tag')} />
        </Field>
        <Field label={t('clients.field.timezone')} name="timezone" error={save.error} hint={t('clients.hint.timezone')}>
          <input list="time-zones" required value={form.timezone} onChange={set('timezone')} />
        </Field>
      </div>
      <datalist id="time-zones">
        {knownTimeZones().map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <ProblemAlert error={save.error} shown={FIELDS} />
      <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
        {client ? t('common.actions.save') : t('common.actions.create')}
      </button>
    </form>
  );
}
