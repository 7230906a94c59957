// SHA-256 compression kernels (FIPS 180-4 §6.2.2) and the run-time choice among them: the x86 SHA extensions
// (SHA-NI), the ARMv8 SHA-2 instructions, and portable C. Every SHA-256 of the addon (sha256d, the coinbase and merkle
// hashes the share path passes to it, scrypt's PBKDF2) compresses through the chosen kernel.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pool {

// Compresses `blocks` consecutive 64-byte blocks into state.
using Sha256CompressFn = void (*)(uint32_t state[8], const uint8_t* data, size_t blocks);

struct Sha256Kernel {
  const char* name;
  Sha256CompressFn compress;
};

// The kernels this build has and this CPU can run, fastest first; "scalar" is always the last.
size_t Sha256AvailableKernels(const Sha256Kernel** out);

// The kernel in use: the fastest available one unless Sha256UseKernel chose another.
const Sha256Kernel& Sha256CurrentKernel();

// Chooses a kernel by name ("auto" is the fastest available); false (and nothing changed) when it is not available.
bool Sha256UseKernel(const char* name);

void Sha256CompressScalar(uint32_t state[8], const uint8_t* data, size_t blocks);

}  // namespace pool
