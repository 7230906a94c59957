// Argument readers shared by the addon's bindings: each throws a TypeError naming the function and the parameter, and
// returns false so the binding can return at once.
#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace pool {

struct Bytes {
  uint8_t* data;
  size_t length;
};

// Accepts any Uint8Array (Buffer is one, and one over a SharedArrayBuffer); other typed arrays are rejected so a
// Uint16Array is never hashed by accident. One Node-API call per argument: napi_get_typedarray_info answers
// napi_invalid_arg for anything that is not a typed array, and gives the type, length and data at once (the
// node-addon-api route, IsTypedArray + TypedArrayType + Uint8Array's constructor, made three calls, two of them
// materialising the buffer: ~690 instructions an argument, a fifth of a sha256d share's non-hash work; issue 18).
inline bool ReadBytes(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, Bytes* out) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[index], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    std::string message = std::string(fn) + ": " + name + " must be a Buffer or Uint8Array";
    Napi::TypeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return false;
  }
  out->data = static_cast<uint8_t*>(data);
  out->length = length;  // elements of one byte: the byte length
  return true;
}

// The same, and the length must be exactly `length` bytes (a RangeError otherwise).
inline bool ReadFixedBytes(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name,
                           size_t length, Bytes* out) {
  if (!ReadBytes(info, index, fn, name, out)) return false;
  if (out->length != length) {
    std::string message = std::string(fn) + ": " + name + " must be " + std::to_string(length) + " bytes, got " +
                          std::to_string(out->length);
    Napi::RangeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// Whether argument `index` is a JS number holding an integer in [0, max] (NaN and the infinities are not); *out gets
// it. The one check behind ReadUint and ReadU32, which differ only in the bound and in their messages.
inline bool IntegerUpTo(const Napi::CallbackInfo& info, size_t index, double max, double* out) {
  double d = -1;
  if (napi_get_value_double(info.Env(), info[index], &d) != napi_ok || !(d >= 0) || d > max || d != std::floor(d)) {
    return false;
  }
  *out = d;
  return true;
}

// Integer parameters arrive as JS numbers; anything that is not a non-negative safe integer is a TypeError.
inline bool ReadUint(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, uint64_t* out) {
  double d = 0;
  if (!IntegerUpTo(info, index, 9007199254740991.0, &d)) {
    std::string message = std::string(fn) + ": " + name + " must be a non-negative integer";
    Napi::TypeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return false;
  }
  *out = uint64_t(d);
  return true;
}

// A uint32 parameter: a JS number that is an integer in [0, 2^32) (a TypeError otherwise). napi_get_value_uint32
// alone would wrap a negative or fractional number silently.
inline bool ReadU32(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, uint32_t* out) {
  double d = 0;
  if (!IntegerUpTo(info, index, 4294967295.0, &d)) {
    std::string message = std::string(fn) + ": " + name + " must be an integer in [0, 2^32)";
    Napi::TypeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return false;
  }
  *out = uint32_t(d);
  return true;
}

// A 64-bit unsigned value as a bigint in [0, 2^64).
inline bool ReadBigUint64(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name,
                          uint64_t* out) {
  Napi::Value value = info[index];
  bool lossless = false;
  if (value.IsBigInt()) *out = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) {
    std::string message = std::string(fn) + ": " + name + " must be a bigint in [0, 2^64)";
    Napi::TypeError::New(info.Env(), message).ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

}  // namespace pool
