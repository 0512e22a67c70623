import type { mailings as en } from '../en/mailings';

// Русские строки страниц «mailings» (ключи те же, что в en/mailings.ts).
export const mailings = {
  title: 'Рассылки',
} satisfies typeof en;
