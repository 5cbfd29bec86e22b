// Merges what several clients of one engine configured (the engine's own files, each editor window's) into the one
// ConfigureParams the supervisor runs: each file once, each settings server once, the latest settings. Plain data.
import type { ConfigFileRef, ConfigureParams } from '../../shared/protocol';

/**
 * Earlier contributions come first (the engine's own, then windows in attach order). A file named by several is read
 * once, and trusted only if every contribution trusts it (VS Code's trust is per folder, so they agree; if they ever do
 * not, the cautious answer wins). A settings server defined by several keeps its first definition, like a name defined
 * in two files. Settings (caps defaults) are the last contribution's that has any: windows share user settings, and the
 * newest window's workspace settings are the freshest word.
 */
export function mergeConfigParams(contributions: readonly ConfigureParams[]): Omit<ConfigureParams, 'autoStart' | 'skipAutoStart'> {
  const files = new Map<string, ConfigFileRef>();
  const settingsServers: Record<string, unknown> = {};
  let settings: ConfigureParams['settings'];
  for (const c of contributions) {
    for (const ref of c.files) {
      const seen = files.get(ref.path);
      if (!seen) files.set(ref.path, { ...ref });
      else if (!ref.trusted) seen.trusted = false;
    }
    for (const [name, entry] of Object.entries(c.settingsServers ?? {})) if (!(name in settingsServers)) settingsServers[name] = entry;
    if (c.settings && Object.keys(c.settings).length) settings = c.settings;
  }
  const out: Omit<ConfigureParams, 'autoStart' | 'skipAutoStart'> = { files: [...files.values()] };
  if (Object.keys(settingsServers).length) out.settingsServers = settingsServers;
  if (settings) out.settings = settings;
  return out;
}
