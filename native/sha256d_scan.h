/*
 * powchain's native nonce scanner: SHA-256d of an 80-byte block header over a range of nonces,
 * with the loop in C. Plain C, no Node-API: native/mine.c is the glue, and a C program can drive
 * these functions alone (to compare kernels without Node).
 */
#ifndef POWCHAIN_SHA256D_SCAN_H
#define POWCHAIN_SHA256D_SCAN_H

#include <stdint.h>

/* Everything a scan needs that does not change with the nonce. */
typedef struct {
  /* The state after the header's first 64 bytes (the midstate). */
  uint32_t mid[8];
  /* The second block's first three message words: the end of the merkle root, time and bits. */
  uint32_t tail[3];
  /* The target as 8 little-endian words, word 7 most significant (the hash is read the same way). */
  uint32_t target[8];
} powchain_scan_job;

/* The job for an 80-byte header and a target as 8 words, least significant first. */
void powchain_scan_prepare(powchain_scan_job *job, const unsigned char header[80], const uint32_t target[8]);

/* Which scanner this CPU can run, or NULL when none of this file's fast paths: a short name
   ("sha-ni"), for the node's log. */
const char *powchain_scan_kernel(void);

/*
 * Scans nonces start .. start + count - 1 (count <= 2^32 - start) with the kernel
 * powchain_scan_kernel() names, which must not be NULL. Returns the first nonce whose sha256d, read
 * as a little-endian 256-bit integer, is <= the target, or -1.
 */
int64_t powchain_scan(const powchain_scan_job *job, uint32_t start, uint64_t count);

#endif
