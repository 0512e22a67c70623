import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { presentCredentialType, presentProvider } from '../../api/integration-presenters';
import { loadPlugins } from '../../lib/integrations/registry';
import { changedFrom, discriminatorUiSchema, placeProblemErrors, prepareSchema, pruneForSubmit, rendersField, secretUiSchema, stableStringify, withoutRequired } from '../../console/src/lib/schema-form';
import { createSchemaValidator, describeIssueInEnglish, issuesToErrorSchema, schemaIssues } from '../../console/src/lib/schema-validator';

// The schemas the console gets from GET /providers and GET /credential-types, as the API makes them.
const plugins = loadPlugins();
const providerSchema = (id: string) => presentProvider(plugins.providers.get(id)!).config_schema;
const httpJson = prepareSchema(providerSchema('http-json'));
const github = prepareSchema(providerSchema('github-issues'));
const bearer = presentCredentialType(plugins.credentialTypes.get('bearer-token')!);
const apiKey = presentCredentialType(plugins.credentialTypes.get('api-key')!);

describe('schemas made ready for rjsf', () => {
  test('no $schema; oneOf options titled by their discriminator; optional objects without defaults inside', () => {
    assert.equal('$schema' in httpJson, false);
    const pagination = (httpJson.properties as Record<string, { oneOf: { title: string }[] }>).pagination;
    assert.deepEqual(
      pagination.oneOf.map((o) => o.title),
      ['none', 'page', 'offset', 'cursor', 'link'],
    );
    const since = (httpJson.properties as Record<string, { properties: Record<string, { default?: unknown; description?: string }> }>).since;
    assert.equal('default' in since.properties.format, false, 'since.format default moved out: rjsf would otherwise make a since the user never asked for');
    assert.match(since.properties.format.description ?? '', /Default: iso\./);
    assert.deepEqual(discriminatorUiSchema(httpJson), { pagination: { type: { 'ui:widget': 'hidden' } } }, 'the option picker sets pagination.type');
    // A default at the top level stays (rjsf shows it filled in).
    assert.equal((httpJson.properties as Record<string, { default?: unknown }>).id_field.default, 'id');
  });

  test('secret fields are password inputs; editing makes them optional', () => {
    const secret = prepareSchema(bearer.secret_schema);
    assert.deepEqual(secretUiSchema(secret, 'set'), { token: { 'ui:widget': 'password', 'ui:autocomplete': 'new-password', 'ui:placeholder': 'set' } });
    assert.deepEqual(withoutRequired(secret).required, undefined);
    assert.deepEqual(schemaIssues(withoutRequired(secret), {}), []);
  });
});

describe('data made ready to send', () => {
  test('what equals a default, empty strings and untouched optional objects are left to the API', () => {
    const filled = { url: 'http://127.0.0.1:9/page', query: {}, headers: {}, items_path: '', id_field: 'id', pagination: { type: 'none' }, since: {} };
    assert.deepEqual(pruneForSubmit(httpJson, filled), { url: 'http://127.0.0.1:9/page' });
    const paged = { url: 'http://x/page', items_path: 'data', pagination: { type: 'page', page_param: 'page', size_param: 'per_page', page_size: 10, start_page: 1, stop_on_short_page: true }, since: { param: 'since' } };
    assert.deepEqual(pruneForSubmit(httpJson, paged), { url: 'http://x/page', items_path: 'data', pagination: { type: 'page', page_size: 10 }, since: { param: 'since' } });
    assert.deepEqual(pruneForSubmit(httpJson, { url: 'http://x', headers: { 'X-Team': 'a' } }), { url: 'http://x', headers: { 'X-Team': 'a' } });
    // Required fields stay even when empty (the API then names them).
    assert.deepEqual(pruneForSubmit(github, { owner: '', repo: 'r', state: 'all', per_page: 100 }), { owner: '', repo: 'r' });
    assert.deepEqual(pruneForSubmit(prepareSchema(apiKey.public_schema), { header: 'X-API-Key', prefix: '' }), {});
  });

  test('a stored config is unchanged by an untouched form, whatever defaults it spelled out', () => {
    const stored = { url: 'http://x/page', id_field: 'id', pagination: { type: 'page', page_size: 10 } };
    const form = { url: 'http://x/page', items_path: '', id_field: 'id', query: {}, headers: {}, pagination: { type: 'page', page_param: 'page', size_param: 'per_page', page_size: 10, start_page: 1, stop_on_short_page: true } };
    assert.equal(changedFrom(httpJson, stored, form), false);
    assert.equal(changedFrom(httpJson, stored, { ...form, url: 'http://x/other' }), true);
    assert.equal(stableStringify({ b: 1, a: [1, { d: 2, c: undefined }] }), '{"a":[1,{"d":2}],"b":1}');
  });
});

describe('validation without compiled code', () => {
  test('one issue per field, only from the oneOf branch the data chose, with the schema limits', () => {
    const issues = schemaIssues(httpJson, { url: 'not a url', pagination: { type: 'page', page_size: 0 }, since: {}, headers: { 'bad header': 'x' }, colour: 1 });
    const byPath = Object.fromEntries(issues.map((i) => [i.path.join('.'), i]));
    assert.deepEqual(Object.keys(byPath).sort(), ['colour', 'headers.bad header', 'pagination.page_size', 'since.param', 'url']);
    assert.equal(byPath.url.keyword, 'format');
    assert.equal(byPath['pagination.page_size'].keyword, 'minimum');
    assert.equal(byPath['pagination.page_size'].limit, 1);
    assert.equal(byPath['since.param'].keyword, 'required');
    assert.equal(byPath.colour.keyword, 'additionalProperties');
    assert.equal(byPath['headers.bad header'].name, true);
    assert.equal(describeIssueInEnglish(byPath['pagination.page_size']), 'must be at least 1');
    assert.equal(describeIssueInEnglish(byPath.url), 'must be a full URL, e.g. https://api.example.com/items');
    assert.deepEqual(schemaIssues(httpJson, { url: 'http://127.0.0.1/page', pagination: { type: 'cursor', next_cursor_path: 'meta.next' } }), []);
  });

  test('an unknown oneOf option is one issue on the object; required secrets are named', () => {
    const issues = schemaIssues(httpJson, { url: 'http://x', pagination: { type: 'sideways' } });
    assert.deepEqual(
      issues.map((i) => [i.path.join('.'), i.keyword]),
      [['pagination', 'oneOf']],
    );
    const secret = schemaIssues(prepareSchema(bearer.secret_schema), {});
    assert.deepEqual(issuesToErrorSchema(secret, describeIssueInEnglish), { token: { __errors: ['is required'] } });
  });

  test('the rjsf validator: isValid picks options, validateFormData gives an error schema', () => {
    const validator = createSchemaValidator();
    const pagination = (httpJson.properties as Record<string, { oneOf: object[] }>).pagination;
    assert.equal(validator.isValid(pagination.oneOf[1], { type: 'page' }, httpJson), true);
    assert.equal(validator.isValid(pagination.oneOf[1], { type: 'none' }, httpJson), false);
    const result = validator.validateFormData({ owner: 'bad owner!', repo: 'r' }, github);
    assert.equal(result.errors.length, 1);
    assert.equal(result.errors[0].property, '.owner');
    assert.deepEqual(Object.keys(result.errorSchema), ['owner']);
  });
});

describe('the API’s field errors on the generated fields', () => {
  test('errors under the prefix that name a rendered field are placed; the rest stay for the alert', () => {
    const data = { url: 'http://10.0.0.1/x', pagination: { type: 'page' } };
    const placed = placeProblemErrors(
      [
        { path: 'body.config.url', message: 'is a private address' },
        { path: 'body.config.pagination.page_size', message: 'too big' },
        { path: 'body.config.colour', message: 'is not a known field' },
        { path: 'body.name', message: 'is required' },
      ],
      'config',
      httpJson,
      data,
    );
    assert.deepEqual(placed.errorSchema, { url: { __errors: ['is a private address'] }, pagination: { page_size: { __errors: ['too big'] } } });
    assert.deepEqual(placed.shown, ['config.url', 'config.pagination.page_size']);
    assert.equal(rendersField(httpJson, ['headers', 'X-Any'], data), true);
    assert.equal(rendersField(httpJson, ['pagination', 'next_cursor_path'], data), false, 'not in the chosen option');
  });
});
