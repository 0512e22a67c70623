// English strings of the mailings pages (ru/mailings.ts mirrors the keys).
export const mailings = {
  title: 'Mailings',
};
