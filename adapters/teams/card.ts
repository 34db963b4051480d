/**
 * Adaptive Card building blocks. Cards stay at version 1.5 (PRODUCT §3: 1.5 or lower), the
 * newest every Teams client renders. Text passed to `text()` and `fact()` must already be escaped.
 */

export type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardElement[];
  fallbackText?: string;
}

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

export const card = (
  body: CardElement[],
  extra: Pick<AdaptiveCard, 'actions' | 'fallbackText'> = {},
): AdaptiveCard => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  ...extra,
});

export const text = (escaped: string, style: CardElement = {}): CardElement => ({
  type: 'TextBlock',
  text: escaped,
  wrap: true,
  ...style,
});

export const fact = (title: string, escapedValue: string) => ({ title, value: escapedValue });

/** The attachment Bot Framework expects for a card. */
export const attachment = (content: AdaptiveCard) => ({
  contentType: CARD_CONTENT_TYPE,
  content,
});
