export { decodeContent } from './decode.js';
export { encodeWrite } from './encode.js';
export { contentFormatName } from './content-format-name.js';
export { parseLinkFormat, formatLink, formatLinks, type Link } from './link-format.js';
export { parseTlv, encodeTlv, type TlvRecord, type TlvContainer, type TlvLeaf } from './tlv.js';
export { ContentFormat, type ContentEntry, type JsonValue, type WriteEntry } from './types.js';
