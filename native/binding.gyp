{
  # Built by scripts/build-native.mjs, which probes the compiler first and passes what it found:
  # with_verify=1 when libsecp256k1's headers are installed (Debian/Ubuntu: libsecp256k1-dev),
  # with_mine=1 when the compiler builds the SHA-extension kernel, with_memory=1 when it has
  # malloc_trim. Each module is optional.
  'variables': {'with_verify%': 1, 'with_mine%': 1, 'with_memory%': 1},
  'conditions': [
    ['with_memory==1', {
      'targets': [{
        # malloc_trim behind Node-API (native/memory.c): hands freed heap back to the system.
        'target_name': 'powchain_memory',
        'sources': ['memory.c'],
        'defines': ['NAPI_VERSION=8'],
        'cflags': ['-O2', '-Wall', '-Wextra'],
      }],
    }],
    ['with_verify==1', {
      'targets': [{
        # The system's libsecp256k1 behind Node-API (native/verify.c).
        'target_name': 'powchain_verify',
        'sources': ['verify.c'],
        'defines': ['NAPI_VERSION=8'],
        'cflags': ['-O2', '-Wall', '-Wextra'],
        'libraries': ['-lsecp256k1'],
      }],
    }],
    ['with_mine==1', {
      'targets': [{
        # The SHA-256d nonce scanner (native/mine.c over sha256d_scan.c). Only its SHA-NI functions
        # use the extensions (a target attribute each), chosen at run time by CPUID, so the module
        # loads on any x86-64 CPU and says when it has nothing faster to offer.
        'target_name': 'powchain_mine',
        'sources': ['mine.c', 'sha256d_scan.c'],
        'defines': ['NAPI_VERSION=8'],
        'cflags': ['-O2', '-Wall', '-Wextra'],
      }],
    }],
  ],
}
