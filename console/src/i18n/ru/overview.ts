import type { overview as en } from '../en/overview';

// Русские строки страниц «overview» (ключи те же, что в en/overview.ts).
export const overview = {
  title: 'Обзор',
} satisfies typeof en;
