// English strings of the integrations pages (ru/integrations.ts mirrors the keys).
export const integrations = {
  title: 'Integrations',
};
