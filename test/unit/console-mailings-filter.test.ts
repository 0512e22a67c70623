import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  countBody,
  EMPTY_FILTER,
  facetEstimate,
  filterFieldErrors,
  filterOptions,
  isAnyFilter,
  normalizeFilter,
  parseTypedValues,
  sameFilter,
  toggleValue,
} from '../../console/src/mailings/filter';

const facets = {
  operator_codes: [
    { value: '916', count: 40 },
    { value: '903', count: 25 },
    { value: '999', count: 1 },
  ],
  tags: [
    { value: 'vip', count: 30 },
    { value: '', count: 20 },
    { value: 'new customers', count: 16 },
  ],
  total: 66,
};

describe('mailing filter builder', () => {
  test('choosing and unchoosing values keeps one sorted copy of each', () => {
    let f = toggleValue(EMPTY_FILTER, 'operator_codes', '916');
    f = toggleValue(f, 'operator_codes', '903');
    assert.deepEqual(f.operator_codes, ['903', '916']);
    f = toggleValue(f, 'operator_codes', '916');
    assert.deepEqual(f, { operator_codes: ['903'], tags: [] });
    assert.deepEqual(normalizeFilter({ operator_codes: [' 916', '916', '900'], tags: ['b', 'a', 'b', ''] }), { operator_codes: ['900', '916'], tags: ['', 'a', 'b'] });
    assert.equal(isAnyFilter(EMPTY_FILTER), true);
    assert.equal(isAnyFilter(f), false);
  });

  test('filters compare by the clients they choose, not by order', () => {
    assert.equal(sameFilter({ operator_codes: ['916', '903'], tags: [] }, { operator_codes: ['903', '916'], tags: [] }), true);
    assert.equal(sameFilter({ operator_codes: ['916'], tags: [] }, { operator_codes: ['916'], tags: [''] }), false);
  });

  test('options come from the facets with their counts; chosen values the data lacks stay visible first', () => {
    const options = filterOptions(facets.operator_codes, ['903', '123']);
    assert.deepEqual(options, [
      { value: '123', count: null, selected: true },
      { value: '916', count: 40, selected: false },
      { value: '903', count: 25, selected: true },
      { value: '999', count: 1, selected: false },
    ]);
    // A search narrows what is offered but never hides a chosen value.
    assert.deepEqual(
      filterOptions(facets.tags, ['vip'], 'NEW').map((o) => o.value),
      ['vip', 'new customers'],
    );
  });

  test('typed values: codes split on spaces and commas, tags only on commas and lines; the refused ones apart', () => {
    assert.deepEqual(parseTypedValues('operator_codes', '916, 903 91a 9160;916', ['903']), { values: ['916'], invalid: ['91a', '9160'] });
    assert.deepEqual(parseTypedValues('tags', 'new customers, vip\nvip,  ,' + 'x'.repeat(65)), { values: ['new customers', 'vip'], invalid: ['x'.repeat(65)] });
  });

  test('the facet estimate is the smaller field sum, and unknown when a chosen value has no count', () => {
    assert.equal(facetEstimate(EMPTY_FILTER, facets), 66);
    assert.equal(facetEstimate({ operator_codes: ['916', '903'], tags: [] }, facets), 65);
    assert.equal(facetEstimate({ operator_codes: ['916', '903'], tags: ['vip'] }, facets), 30);
    assert.equal(facetEstimate({ operator_codes: ['123'], tags: [] }, facets), null);
  });

  test('the preview count body is the normalised filter with the time-zone breakdown asked for', () => {
    assert.deepEqual(countBody({ operator_codes: ['916', '903', '916'], tags: ['vip'] }), { operator_codes: ['903', '916'], tags: ['vip'], by_timezone: true });
  });

  test('problem+json errors land on their filter field, naming the value an index points at', () => {
    const errors = [
      { path: 'body.filter.operator_codes.1', message: 'must be 3 digits' },
      { path: 'body.filter.tags', message: 'too many' },
      { path: 'body.text', message: 'must not be empty' },
    ];
    const filter = { operator_codes: ['903', '91a'], tags: [] };
    assert.deepEqual(filterFieldErrors(errors, 'operator_codes', filter), [{ path: 'filter.operator_codes.1', message: 'must be 3 digits', value: '91a' }]);
    assert.deepEqual(filterFieldErrors(errors, 'tags', filter), [{ path: 'filter.tags', message: 'too many' }]);
  });
});
