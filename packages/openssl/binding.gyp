{
  "targets": [
    {
      "target_name": "dropline_openssl",
      "sources": ["src/addon.c", "src/sha256.c", "src/gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-deprecated-declarations"],
      "xcode_settings": { "OTHER_CFLAGS": ["-Wno-deprecated-declarations"] }
    }
  ]
}
