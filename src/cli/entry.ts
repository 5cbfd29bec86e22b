// The `mcp-warden` command's entry (dist/cli.js): `connect` and `gateway` (the same bridge) run from their own small
// bundle (dist/connect.js), so each bridge a client spawns holds a few KB of source instead of the whole CLI's 1.4 MB
// (measured: 48 MB RSS / 14 MB PSS instead of 58 / 22); every other command runs dist/cli-main.js.
import { join } from 'node:path';
import { isOptionValue } from './optionValues';

const argv = process.argv.slice(2);
const command = argv.find((a, i) => !a.startsWith('--') && !isOptionValue(argv[i - 1]));
// A computed path, so the bundler leaves these as runtime requires of the sibling bundles.
const bundle = command === 'connect' || command === 'gateway' ? 'connect.js' : 'cli-main.js';
require(join(__dirname, bundle));
