// Русский словарь: все строки консоли, по файлу на раздел. tsc проверяет, что ключи совпадают с английскими.
import type { Dictionary } from '../en';
import { apiKeys } from './apiKeys';
import { clients } from './clients';
import { common } from './common';
import { integrations } from './integrations';
import { mailings } from './mailings';
import { overview } from './overview';
import { recurrences } from './recurrences';
import { webhooks } from './webhooks';

export const ru = { common, overview, clients, mailings, recurrences, webhooks, integrations, apiKeys } satisfies Dictionary;
