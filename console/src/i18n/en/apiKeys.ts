// English strings of the apiKeys pages (ru/apiKeys.ts mirrors the keys).
export const apiKeys = {
  title: 'API keys',
};
