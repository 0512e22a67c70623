// English strings of the clients pages (ru/clients.ts mirrors the keys).
export const clients = {
  title: 'Clients',
  caption: 'Clients',
  new: 'New client',
  edit: 'Edit client {{phone}}',
  empty: 'No clients match. Add one with “New client”, or import them through the API.',
  emptyFiltered: 'No client matches these filters.',
  created: 'Client {{phone}} created.',
  saved: 'Saved.',
  deleted: 'Client deleted; their pending messages were cancelled.',
  filters: 'Filters',
  field: {
    id: 'Id',
    phone: 'Phone',
    operatorCode: 'Operator code',
    tag: 'Tag',
    timezone: 'Time zone',
    localTime: 'Local time now',
    created: 'Created',
    actions: 'Actions',
  },
  hint: {
    phone: '11 digits starting with 7, e.g. 79001234567',
    operatorCode: '3 digits; taken from the phone when empty',
    timezone: 'IANA name, e.g. Europe/Moscow: send windows are in this zone',
  },
};
