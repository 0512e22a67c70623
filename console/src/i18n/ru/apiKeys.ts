import type { apiKeys as en } from '../en/apiKeys';

// Русские строки страниц «apiKeys» (ключи те же, что в en/apiKeys.ts).
export const apiKeys = {
  title: 'API-ключи',
} satisfies typeof en;
