// Русские строки страницы повторяющихся рассылок (ключи как в en/recurrences.ts).
export const recurrences = {
  title: 'Повторяющиеся рассылки',
  link: 'Повторяющиеся рассылки',
  backToMailings: '← Все рассылки',
  intro: 'Каждый запуск повторяющейся рассылки создаёт обычную рассылку — она видна в общем списке.',
  field: {
    recurrence: 'Повторяющаяся рассылка',
    schedule: 'Расписание',
    duration: 'Длительность запуска',
    state: 'Состояние',
    period: 'С → до',
  },
  schedule: {
    daily_one: 'каждый день в {{at}}, {{count}} день ({{timezone}})',
    daily_few: 'каждый день в {{at}}, {{count}} дня ({{timezone}})',
    daily_many: 'каждый день в {{at}}, {{count}} дней ({{timezone}})',
    daily_other: 'каждый день в {{at}}, {{count}} дня ({{timezone}})',
    cron: 'cron {{cron}} ({{timezone}})',
  },
  duration: '{{hours}} ч {{minutes}} мин',
  state: { active: 'активна', paused: 'на паузе' },
  open: 'с момента создания',
  forever: 'без конца',
  empty: 'Повторяющихся рассылок пока нет. Создайте их через API: POST /api/v1/mailing-recurrences.',
};
