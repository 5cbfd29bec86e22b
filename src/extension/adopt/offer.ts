// When Warden offers to adopt a workspace's `.vscode/mcp.json` (or another client's servers): once per window, never
// in an untrusted workspace, never again after "Never for this workspace". vscode-free: the memento is passed in.

export const OFFER_KEY = 'mcpWarden.adoptionOffer';

/** What workspaceState (or globalState, for other clients' files) remembers. */
export interface OfferMemory {
  /** "Never for this workspace": no notification again (the command still works). */
  never?: boolean;
}

export type OfferAnswer = 'adopt' | 'notNow' | 'never' | 'dismissed';

export const OFFER_BUTTONS = { adopt: 'Adopt', notNow: 'Not now', never: 'Never for this workspace' } as const;

export interface OfferInputs {
  trusted: boolean;
  /** Servers an adoption would move now. */
  adoptable: readonly string[];
  memory: OfferMemory | undefined;
  /** Already offered in this window (whatever the answer): once is enough. */
  offeredThisWindow: boolean;
}

/** Offer only with something to adopt, in a trusted workspace, once per window, and not after "Never". */
export function shouldOffer(i: OfferInputs): boolean {
  return i.trusted && i.adoptable.length > 0 && !i.memory?.never && !i.offeredThisWindow;
}

/** The button a person pressed (undefined: closed the toast) → what to remember. */
export function answerOf(button: string | undefined): OfferAnswer {
  if (button === OFFER_BUTTONS.adopt) return 'adopt';
  if (button === OFFER_BUTTONS.notNow) return 'notNow';
  if (button === OFFER_BUTTONS.never) return 'never';
  return 'dismissed';
}

/** The memory after an answer: only "Never" is kept across windows; "Not now" asks again in the next window. */
export function rememberAnswer(memory: OfferMemory | undefined, answer: OfferAnswer): OfferMemory | undefined {
  if (answer === 'never') return { ...memory, never: true };
  return memory;
}

/** Where the servers are, as the toast says it. */
export function offerWhere(folderNames: readonly string[], multiRoot: boolean): string {
  if (folderNames.length > 1) return `the .vscode/mcp.json files of ${folderNames.join(', ')}`;
  return multiRoot ? `${folderNames[0]}'s .vscode/mcp.json` : '.vscode/mcp.json';
}

/** `MCP Warden can run "a" and "b" from .vscode/mcp.json…` — the toast's text. */
export function offerMessage(where: string, names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => `"${n}"`);
  const list = names.length > 3 ? `${shown.join(', ')} and ${names.length - 3} more` : shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : shown[0]!;
  return `MCP Warden can run ${list} from ${where}: it moves ${names.length === 1 ? 'it' : 'them'} to .vscode/mcp-warden.json (comments kept, a backup made, Undo Adoption puts ${names.length === 1 ? 'it' : 'them'} back), ` +
    `measures and caps ${names.length === 1 ? 'it' : 'them'}, and VS Code's agent reaches ${names.length === 1 ? 'it' : 'them'} through Warden instead of starting ${names.length === 1 ? 'a copy' : 'copies'} of its own.`;
}
