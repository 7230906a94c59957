{
  # Native share hashing: sha256d, Litecoin scrypt and ethash/etchash (see src/). Built by the root package's `install` script.
  "targets": [
    {
      "target_name": "pool_hashing",
      "sources": [
        "src/addon.cc", "src/sha256.cc", "src/sha256_kernels.cc", "src/scrypt.cc", "src/scrypt_addon.cc", "src/scrypt_x4.cc", "src/keccak.cc", "src/ethash.cc",
        "src/ethash_addon.cc", "src/thread_policy.cc"
      ],
      "dependencies": ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api"],
      # The AVX2 and AVX-512 scrypt kernels need their own -m flags, which must not reach any other file (the image may
      # run on a CPU without them): each is a static library of one file, called only after a CPU check (scrypt.cc).
      "conditions": [["target_arch=='x64' and OS!='win'", { "dependencies": ["scrypt_avx2", "scrypt_avx512"] }]],
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
    },
    {
      "target_name": "scrypt_avx2",
      "type": "static_library",
      "sources": ["src/scrypt_avx2.cc"],
      "cflags_cc!": ["-O2", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-O3", "-std=c++17", "-Wall", "-Wextra", "-fPIC", "-mavx2"],
      "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "3", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx2"] }
    },
    {
      "target_name": "scrypt_avx512",
      "type": "static_library",
      "sources": ["src/scrypt_avx512.cc"],
      "cflags_cc!": ["-O2", "-std=gnu++17", "-std=gnu++20"],
      # -Wno-uninitialized: GCC 12's own _mm512_i32gather_epi32 reads its deliberately undefined pass-through operand.
      "cflags_cc": ["-O3", "-std=c++17", "-Wall", "-Wextra", "-Wno-uninitialized", "-fPIC", "-mavx512f", "-mavx512vl"],
      "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "3", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-mavx512f", "-mavx512vl"] }
    }
  ]
}
