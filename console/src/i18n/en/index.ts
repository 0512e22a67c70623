// The English dictionary: every user-facing string of the console, one file per domain.
import { apiKeys } from './apiKeys';
import { clients } from './clients';
import { common } from './common';
import { integrations } from './integrations';
import { mailings } from './mailings';
import { overview } from './overview';
import { recurrences } from './recurrences';
import { webhooks } from './webhooks';

export const en = { common, overview, clients, mailings, recurrences, webhooks, integrations, apiKeys };
export type Dictionary = typeof en;
