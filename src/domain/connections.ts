/**
 * The external systems whose connection the bridge checks, and how support calls them (alerts,
 * the admin page's banners, the Discord console's status): one map.
 */
export const CONNECTION_LABELS = {
  ead: 'EAD',
  chatpro: 'ChatPro',
  mail: 'e-mail (SMTP)',
} as const;

export type ConnectionName = keyof typeof CONNECTION_LABELS;

/** How support calls a checked system; a name the map does not know is shown as it is. */
export function connectionLabel(name: string): string {
  return Object.hasOwn(CONNECTION_LABELS, name) ? CONNECTION_LABELS[name as ConnectionName] : name;
}
