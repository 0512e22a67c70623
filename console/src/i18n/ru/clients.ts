import type { clients as en } from '../en/clients';

// Русские строки страниц «Клиенты» (ключи те же, что в en/clients.ts).
export const clients = {
  title: 'Клиенты',
  caption: 'Клиенты',
  new: 'Новый клиент',
  edit: 'Клиент {{phone}}',
  empty: 'Клиентов нет. Добавьте клиента кнопкой «Новый клиент» или загрузите через API.',
  emptyFiltered: 'Нет клиентов с такими условиями.',
  created: 'Клиент {{phone}} создан.',
  saved: 'Сохранено.',
  deleted: 'Клиент удалён; его неотправленные сообщения отменены.',
  filters: 'Фильтры',
  field: {
    id: 'Id',
    phone: 'Телефон',
    operatorCode: 'Код оператора',
    tag: 'Тег',
    timezone: 'Часовой пояс',
    localTime: 'Местное время',
    created: 'Создан',
    actions: 'Действия',
  },
  hint: {
    phone: '11 цифр, начиная с 7, например 79001234567',
    operatorCode: '3 цифры; если пусто, берётся из телефона',
    timezone: 'Имя IANA, например Europe/Moscow: окна отправки считаются в этом поясе',
  },
} satisfies typeof en;
