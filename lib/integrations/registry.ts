// Finds every plugin under plugins/credentials/<id>/ and plugins/providers/<id>/: adding one is adding a folder.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CredentialType, Provider } from './plugin';

export const PLUGINS_DIR = path.resolve(__dirname, '../../plugins');

export class PluginLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginLoadError';
  }
}

export interface PluginRegistry {
  credentialTypes: ReadonlyMap<string, CredentialType>;
  providers: ReadonlyMap<string, Provider>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The one export of a plugin module that has the wanted shape (its name does not matter). */
function pluginExport<T>(file: string, looksRight: (v: unknown) => v is T): T {
  if (!existsSync(`${file}/index.ts`) && !existsSync(`${file}/index.js`)) throw new PluginLoadError(`${file} has no index.ts`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- discovery loads folders by name at boot
  const mod: unknown = require(file);
  const candidates = isObject(mod) ? Object.values(mod).filter(looksRight) : [];
  if (candidates.length !== 1) throw new PluginLoadError(`${file} must export exactly one plugin (found ${candidates.length})`);
  return candidates[0];
}

const isCredentialType = (v: unknown): v is CredentialType =>
  isObject(v) &&
  typeof v.id === 'string' && isObject(v.publicSchema) && isObject(v.secretSchema) && typeof v.headers === 'function' && typeof v.validate === 'function';
const isProvider = (v: unknown): v is Provider =>
  isObject(v) &&
  Array.isArray(v.credentialTypes) &&
  typeof v.id === 'string' && isObject(v.configSchema) && typeof v.fetch === 'function' && typeof v.check === 'function' && typeof v.normalize === 'function';

function pluginFolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Loads and checks every plugin once (at boot); a broken plugin stops boot naming its folder. */
export function loadPlugins(dir: string = PLUGINS_DIR): PluginRegistry {
  const credentialTypes = new Map<string, CredentialType>();
  const providers = new Map<string, Provider>();
  for (const folder of pluginFolders(path.join(dir, 'credentials'))) {
    const plugin = pluginExport(path.join(dir, 'credentials', folder), isCredentialType);
    if (plugin.id !== folder) throw new PluginLoadError(`credential type in plugins/credentials/${folder} has id '${plugin.id}'; it must be the folder's name`);
    credentialTypes.set(plugin.id, plugin);
  }
  for (const folder of pluginFolders(path.join(dir, 'providers'))) {
    const plugin = pluginExport(path.join(dir, 'providers', folder), isProvider);
    if (plugin.id !== folder) throw new PluginLoadError(`provider in plugins/providers/${folder} has id '${plugin.id}'; it must be the folder's name`);
    const unknown = plugin.credentialTypes.filter((t) => !credentialTypes.has(t));
    if (unknown.length > 0) throw new PluginLoadError(`provider '${plugin.id}' accepts unknown credential types: ${unknown.join(', ')}`);
    providers.set(plugin.id, plugin);
  }
  return { credentialTypes, providers };
}
