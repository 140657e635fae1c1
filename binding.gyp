{
  "targets": [
    {
      "target_name": "snlw_dtls",
      "sources": [
        "native/dtls.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "defines": [
        "OPENSSL_API_COMPAT=30000",
        "OPENSSL_NO_DEPRECATED"
      ]
    },
    {
      "target_name": "snlw_udp",
      "sources": [
        "native/udp.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ]
    }
  ]
}
