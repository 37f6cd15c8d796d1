{
  'targets': [
    {
      # The system's libsecp256k1 behind Node-API; scripts/build-native.mjs builds it when the
      # library's headers are installed (Debian/Ubuntu: libsecp256k1-dev).
      'target_name': 'powchain_verify',
      'sources': ['verify.c'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-O2', '-Wall', '-Wextra'],
      'libraries': ['-lsecp256k1'],
    },
  ],
}
