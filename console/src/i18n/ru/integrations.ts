import type { integrations as en } from '../en/integrations';

// Русские строки страниц «integrations» (ключи те же, что в en/integrations.ts).
export const integrations = {
  title: 'Интеграции',
} satisfies typeof en;
