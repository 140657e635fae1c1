/** IANA names (as LwM2M and RFC 7925 write them) of the suites the gateway is tested with, to OpenSSL's names. */
const IANA_TO_OPENSSL: Readonly<Record<string, string>> = {
  TLS_PSK_WITH_AES_128_CCM_8: 'PSK-AES128-CCM8',
  TLS_PSK_WITH_AES_128_CBC_SHA256: 'PSK-AES128-CBC-SHA256',
  TLS_PSK_WITH_AES_128_GCM_SHA256: 'PSK-AES128-GCM-SHA256',
  TLS_PSK_WITH_AES_128_CCM: 'PSK-AES128-CCM',
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: 'ECDHE-ECDSA-AES128-CCM8',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 'ECDHE-ECDSA-AES128-CCM',
};

/** `dtls_options.ciphers` (comma- or colon-separated, OpenSSL or IANA names) as an OpenSSL cipher list. */
export function openSslCipherList(ciphers: string): string {
  return ciphers
    .split(/[,:\s]+/)
    .filter((name) => name !== '')
    .map((name) => IANA_TO_OPENSSL[name] ?? name)
    .join(':');
}
