import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en, type Dictionary } from './en';
import { ru } from './ru';

import { initialLanguage } from '../lib/language';

const STORAGE_KEY = 'relay.language';

export function setupI18n(): typeof i18next {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, ru: { translation: ru } },
    lng: initialLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages ?? [navigator.language]),
    fallbackLng: 'en',
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  i18next.on('languageChanged', (lng) => {
    localStorage.setItem(STORAGE_KEY, lng);
    document.documentElement.lang = lng;
  });
  document.documentElement.lang = i18next.language;
  return i18next;
}

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: Dictionary };
    returnNull: false;
  }
}
