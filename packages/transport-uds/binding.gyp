{
  "targets": [
    {
      "target_name": "transport_uds",
      "sources": [
        "native/addresses.cc",
        "native/binding.cc",
        "native/datagram.cc",
        "native/descriptors.cc",
        "native/message.cc",
        "native/napi-helpers.cc",
        "native/poller.cc",
        "native/socket-file.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      # -fvisibility=hidden: the native files share their functions (namespace uds) across
      # translation units; only the N-API entry points (NAPI_MODULE_EXPORT) leave the library.
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-O2", "-fvisibility=hidden"]
    }
  ]
}
