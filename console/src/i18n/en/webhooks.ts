// English strings of the webhooks pages (ru/webhooks.ts mirrors the keys).
export const webhooks = {
  title: 'Webhooks',
};
