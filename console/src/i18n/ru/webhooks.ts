import type { webhooks as en } from '../en/webhooks';

// Русские строки страниц «webhooks» (ключи те же, что в en/webhooks.ts).
export const webhooks = {
  title: 'Вебхуки',
} satisfies typeof en;
