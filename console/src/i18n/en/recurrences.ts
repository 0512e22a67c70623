// English strings of the recurring mailings page (ru/recurrences.ts mirrors the keys).
export const recurrences = {
  title: 'Recurring mailings',
  link: 'Recurring mailings',
  backToMailings: '← All mailings',
  intro: 'Each run of a recurring mailing creates an ordinary mailing, listed with the others.',
  field: {
    recurrence: 'Recurring mailing',
    schedule: 'Schedule',
    duration: 'Each runs for',
    state: 'State',
    period: 'From → until',
  },
  schedule: {
    daily_one: 'every day at {{at}} for {{count}} day ({{timezone}})',
    daily_few: 'every day at {{at}} for {{count}} days ({{timezone}})',
    daily_many: 'every day at {{at}} for {{count}} days ({{timezone}})',
    daily_other: 'every day at {{at}} for {{count}} days ({{timezone}})',
    cron: 'cron {{cron}} ({{timezone}})',
  },
  duration: '{{hours}} h {{minutes}} min',
  state: { active: 'active', paused: 'paused' },
  open: 'from creation',
  forever: 'no end',
  empty: 'No recurring mailings yet. Create them through the API: POST /api/v1/mailing-recurrences.',
};
