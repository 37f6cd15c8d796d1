{
  'targets': [
    {
      # A C compiler and Node's headers are all it needs; scripts/build-native.mjs builds it
      # (and carries on without it when it cannot: the node then only asks V8 to collect).
      'target_name': 'powchain_memory',
      'sources': ['memory.c'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-O2', '-Wall', '-Wextra'],
    },
  ],
}
