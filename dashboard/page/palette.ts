// Okabe and Ito's palette: eight colours told apart with any common colour-vision deficiency.
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** The colour of a marker kind: swaps green, pins and rollbacks purple, rejections vermillion. */
export function markerColour(kind: string): string {
  if (kind === 'swap' || kind === 'first' || kind === 'promote') return OKABE_ITO.bluishGreen;
  if (kind === 'reject' || kind === 'rollback') return OKABE_ITO.vermillion;
  return OKABE_ITO.reddishPurple;
}
