{
  # Native share hashing: sha256d, Litecoin scrypt and ethash/etchash (see src/). Built by the root package's `install` script.
  "targets": [
    {
      "target_name": "pool_hashing",
      "sources": ["src/addon.cc", "src/sha256.cc", "src/sha256_kernels.cc", "src/scrypt.cc", "src/keccak.cc", "src/ethash.cc", "src/ethash_addon.cc"],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api"],
      # node's common.gypi already uses -O3 for Release; the flags are repeated so a different Node build cannot
      # silently fall back to -O2. No -march=native: the image may run on a different CPU than the one that built it.
      "cflags!": ["-O2"],
      "cflags_cc!": ["-O2", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "cflags_cc": ["-O3", "-std=c++17", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_OPTIMIZATION_LEVEL": "3",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2, "AdditionalOptions": ["/std:c++17"] } }
    }
  ]
}
