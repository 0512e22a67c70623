// English strings of the overview pages (ru/overview.ts mirrors the keys).
export const overview = {
  title: 'Overview',
};
