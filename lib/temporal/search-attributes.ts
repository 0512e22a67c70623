import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes so the Temporal UI can filter runs by mailing (and later endpoint, integration). */
export const MAILING_ID_ATTRIBUTE = defineSearchAttributeKey('RelayMailingId', SearchAttributeType.INT);
export const KIND_ATTRIBUTE = defineSearchAttributeKey('RelayKind', SearchAttributeType.KEYWORD);

/** name -> CLI type, for `temporal server start-dev --search-attribute name=Type`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Int' | 'Keyword'> = {
  RelayMailingId: 'Int',
  RelayKind: 'Keyword',
};
