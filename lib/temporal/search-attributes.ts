import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes so the Temporal UI can filter runs by mailing (and later endpoint, integration). */
export const MAILING_ID_ATTRIBUTE = defineSearchAttributeKey('RelayMailingId', SearchAttributeType.INT);
export const KIND_ATTRIBUTE = defineSearchAttributeKey('RelayKind', SearchAttributeType.KEYWORD);
export const ENDPOINT_ID_ATTRIBUTE = defineSearchAttributeKey('RelayEndpointId', SearchAttributeType.INT);
export const EVENT_TYPE_ATTRIBUTE = defineSearchAttributeKey('RelayEventType', SearchAttributeType.KEYWORD);
export const INTEGRATION_ID_ATTRIBUTE = defineSearchAttributeKey('RelayIntegrationId', SearchAttributeType.INT);

/** Every key above, for servers started by tests and the bench. */
export const SEARCH_ATTRIBUTE_KEYS = [MAILING_ID_ATTRIBUTE, KIND_ATTRIBUTE, ENDPOINT_ID_ATTRIBUTE, EVENT_TYPE_ATTRIBUTE, INTEGRATION_ID_ATTRIBUTE];

/** name -> CLI type, for `temporal server start-dev --search-attribute name=Type`. */
export const SEARCH_ATTRIBUTE_DEFINITIONS: Record<string, 'Int' | 'Keyword'> = {
  RelayMailingId: 'Int',
  RelayKind: 'Keyword',
  RelayEndpointId: 'Int',
  RelayEventType: 'Keyword',
  RelayIntegrationId: 'Int',
};
