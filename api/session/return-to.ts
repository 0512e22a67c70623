/** Where the console lives; sign-in only ever sends the browser back to a path under it. */
export const CONSOLE_PATH = '/console/';

/**
 * A same-origin path under /console for after sign-in, or /console/ when the value is anything else: absolute or
 * scheme-relative URLs (//evil.example), backslashes (which browsers read as slashes), control characters, dot
 * segments leaving /console, or more than 2,000 characters. No open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2_000 || !value.startsWith(CONSOLE_PATH.slice(0, -1))) return CONSOLE_PATH;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(value) || value.startsWith('//')) return CONSOLE_PATH;
  let url: URL;
  try {
    url = new URL(value, 'http://relay.invalid');
  } catch {
    return CONSOLE_PATH;
  }
  if (url.origin !== 'http://relay.invalid') return CONSOLE_PATH;
  if (url.pathname !== '/console' && !url.pathname.startsWith(CONSOLE_PATH)) return CONSOLE_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}
