/** A decimal number as text: sign, digits with optional fraction, optional exponent (no hex, no Infinity/NaN). */
export const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal integer as text. */
export const INTEGER_TEXT = /^[+-]?\d+$/;
