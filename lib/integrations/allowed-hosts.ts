// Credentials are bound to the hosts they were issued for: an operator who cannot read a secret must not be able to
// have it sent to a host of their choosing by pointing an integration's URL there.

/** `api.github.com`, `127.0.0.1`, `[::1]`, or `*.example.com` for every subdomain. */
export const HOST_PATTERN = /^(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/;

const normalize = (host: string): string => host.toLowerCase().replace(/\.$/, '');

export function hostAllowed(allowed: readonly string[], host: string): boolean {
  const h = normalize(host);
  return allowed.some((pattern) => {
    const p = normalize(pattern);
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}

/** The hosts of a parsed config's URL fields (`url`, `base_url`, ...) that the credential does not allow. */
export function hostsOutside(allowed: readonly string[], config: unknown): { field: string; host: string }[] {
  if (typeof config !== 'object' || config === null) return [];
  const outside: { field: string; host: string }[] = [];
  for (const [field, value] of Object.entries(config)) {
    if (!/url$/i.test(field) || typeof value !== 'string') continue;
    let host: string;
    try {
      host = new URL(value).hostname;
    } catch {
      continue; // the provider's schema judges the URL itself
    }
    if (!hostAllowed(allowed, host)) outside.push({ field, host });
  }
  return outside;
}
