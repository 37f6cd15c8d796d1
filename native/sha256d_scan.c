/*
 * SHA-256d nonce scanning with the CPU's SHA extensions (x86 SHA-NI), chosen at run time.
 *
 * Why: the WebAssembly SIMD kernel hashes about 6.5 M headers a second per thread here; the SHA
 * instructions do a round pair in one instruction, and three headers hashed side by side keep the
 * SHA unit busy through each instruction's latency: about 30 M a second. The build compiles this file with the
 * compiler's defaults; only the functions marked SHANI use the extensions, and they run only when
 * CPUID says the CPU has them. Elsewhere powchain_scan_kernel() is NULL and powchain uses the
 * WebAssembly kernel.
 *
 * Per nonce: the header's first 64 bytes are compressed once per scan (the midstate), the first
 * two rounds of the second block do not depend on the nonce either, and the second hash stops two
 * rounds early: its last word, the most significant of the hash read as a little-endian number,
 * is final after round 61. Only a nonce whose top word equals the target's goes through a full
 * scalar hash to compare the rest.
 */
#include "sha256d_scan.h"

#include <string.h>

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t x) {
  return x >> 24 | (x >> 8 & 0xff00) | (x << 8 & 0xff0000) | x << 24;
}

#define ROTR(x, n) ((x) >> (n) | (x) << (32 - (n)))

/* The scalar compression: the reference the fast paths are checked against, and the slow steps. */
static void compress(uint32_t state[8], const uint32_t block[16]) {
  uint32_t w[64];
  memcpy(w, block, 64);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + (g ^ (e & (f ^ g))) + K[i] + w[i];
    uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) | (c & (a | b)));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d;
  state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

void powchain_scan_prepare(powchain_scan_job *job, const unsigned char header[80], const uint32_t target[8]) {
  uint32_t block[16];
  for (int i = 0; i < 16; i++) block[i] = be32(header + 4 * i);
  memcpy(job->mid, IV, sizeof IV);
  compress(job->mid, block);
  for (int i = 0; i < 3; i++) job->tail[i] = be32(header + 64 + 4 * i);
  memcpy(job->target, target, sizeof job->target);
}

/* sha256d of the job's header with this nonce, as 8 little-endian words (word 7 most significant). */
static void hash_words(const powchain_scan_job *job, uint32_t nonce, uint32_t out[8]) {
  uint32_t state[8], block[16] = {0};
  memcpy(state, job->mid, sizeof state);
  memcpy(block, job->tail, sizeof job->tail);
  block[3] = bswap32(nonce);
  block[4] = 0x80000000;
  block[15] = 640;
  compress(state, block);
  memcpy(block, state, sizeof state);
  memset(block + 8, 0, 32);
  block[8] = 0x80000000;
  block[15] = 256;
  memcpy(state, IV, sizeof IV);
  compress(state, block);
  for (int i = 0; i < 8; i++) out[i] = bswap32(state[i]);
}

/* Whether the nonce meets the target, given the hash's top word the fast path computed. */
static int meets(const powchain_scan_job *job, uint32_t nonce, uint32_t top) {
  if (top != job->target[7]) return top < job->target[7];
  uint32_t words[8];
  hash_words(job, nonce, words);
  for (int i = 7; i >= 0; i--) {
    if (words[i] != job->target[i]) return words[i] < job->target[i];
  }
  return 1;
}

enum { KERNEL_NONE = 0, KERNEL_SHANI = 1 };
static int kernel_id = -1;

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

/* CPUID: SHA is leaf 7 EBX bit 29; SSSE3 and SSE4.1 are leaf 1 ECX bits 9 and 19. */
static int has_shani(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19))) return 0;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (b >> 29) & 1;
}

/*
 * Headers hashed side by side. The SHA unit takes several cycles to return each round pair's
 * result, and one hash is a single chain of them: alone it ran at 17.5 M hashes/s here, two at a
 * time at 27 M/s, three at 29.5-30 M/s, four at 29 M/s (eight more registers than the CPU has).
 */
#define LANES 3

/* Two rounds per sha256rnds2: the state is kept as ABEF and CDGH, and the low half of `wk` holds
   W[i] + K[i] for the next two rounds; the instruction returns the new ABEF, the old one becomes
   CDGH. A quad is two of them, so the names are the right way round again after it. */
#define RNDS2(abef, cdgh, wk) ((cdgh) = _mm_sha256rnds2_epu32((cdgh), (abef), (wk)))
#define QUAD(abef, cdgh, wk)                         \
  do {                                               \
    __m128i wk_ = (wk);                              \
    RNDS2(abef, cdgh, wk_);                          \
    RNDS2(cdgh, abef, _mm_shuffle_epi32(wk_, 0x0e)); \
  } while (0)
/* W[4q..4q+3] from the four vectors before it: m0 = W[4q-16..], m1, m2, m3 = W[4q-4..]. */
#define SCHEDULE(m0, m1, m2, m3) \
  _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((m0), (m1)), _mm_alignr_epi8((m3), (m2), 4)), (m3))

/*
 * Quads [from, to) of LANES compressions at once; m[j][0..3] is lane j's message ring (W0-3, W4-7,
 * W8-11, W12-15, then the schedule in place). Fully unrolled, so every index is a constant and the
 * lanes' instructions interleave.
 */
#define LANE_ROUNDS(abef, cdgh, m, from, to)                                                    \
  do {                                                                                          \
    _Pragma("GCC unroll 16") for (int q = (from); q < (to); q++) {                              \
      const __m128i k = _mm_loadu_si128((const __m128i *)(K + 4 * q));                         \
      if (q >= 4) {                                                                             \
        _Pragma("GCC unroll 8") for (int j = 0; j < LANES; j++) m[j][q & 3] =                   \
            SCHEDULE(m[j][q & 3], m[j][(q + 1) & 3], m[j][(q + 2) & 3], m[j][(q + 3) & 3]);     \
      }                                                                                         \
      _Pragma("GCC unroll 8") for (int j = 0; j < LANES; j++)                                   \
          QUAD(abef[j], cdgh[j], _mm_add_epi32(m[j][q & 3], k));                                \
    }                                                                                           \
  } while (0)

/* A state as 8 words (A..H) in the ABEF and CDGH order of the instructions. */
SHANI static void to_shani(const uint32_t s[8], __m128i *abef, __m128i *cdgh) {
  *abef = _mm_set_epi32((int)s[0], (int)s[1], (int)s[4], (int)s[5]);
  *cdgh = _mm_set_epi32((int)s[2], (int)s[3], (int)s[6], (int)s[7]);
}

/* What every nonce of a scan shares, in the instructions' order. */
typedef struct {
  __m128i mid_abef, mid_cdgh; /* the midstate */
  __m128i pre_abef, pre_cdgh; /* the second block's state after rounds 0 and 1 */
  __m128i w01;                /* W0 and W1 in lanes 0 and 1 */
  uint32_t w2;                /* W2 */
} shani_job;

/* The top word (the most significant little-endian word of the sha256d) of nonces n .. n+LANES-1. */
SHANI static void shani_lanes(const shani_job *s, uint32_t n, uint32_t top[LANES]) {
  __m128i abef[LANES], cdgh[LANES], m[LANES][4];
  /* The second block: W0-2 from the header, W3 the nonce (as a big-endian word), then the padding
     of an 80-byte message. Rounds 0 and 1 ran once per scan; rounds 2 and 3 here. */
  _Pragma("GCC unroll 8") for (int j = 0; j < LANES; j++) {
    const uint32_t w3 = __builtin_bswap32(n + (uint32_t)j);
    abef[j] = _mm_sha256rnds2_epu32(s->pre_cdgh, s->pre_abef, _mm_set_epi32(0, 0, (int)(w3 + K[3]), (int)(s->w2 + K[2])));
    cdgh[j] = s->pre_abef;
    m[j][0] = _mm_blend_epi16(_mm_set_epi32((int)w3, (int)s->w2, 0, 0), s->w01, 0x0f);
    m[j][1] = _mm_set_epi32(0, 0, 0, (int)0x80000000);
    m[j][2] = _mm_setzero_si128();
    m[j][3] = _mm_set_epi32(640, 0, 0, 0);
  }
  LANE_ROUNDS(abef, cdgh, m, 1, 16);
  /* Feed forward, then the state as the second hash's message: A-D and E-H, and its padding. */
  _Pragma("GCC unroll 8") for (int j = 0; j < LANES; j++) {
    const __m128i feba = _mm_shuffle_epi32(_mm_add_epi32(abef[j], s->mid_abef), 0x1b);
    const __m128i dchg = _mm_shuffle_epi32(_mm_add_epi32(cdgh[j], s->mid_cdgh), 0xb1);
    m[j][0] = _mm_blend_epi16(feba, dchg, 0xf0);
    m[j][1] = _mm_alignr_epi8(dchg, feba, 8);
    m[j][2] = _mm_set_epi32(0, 0, 0, (int)0x80000000);
    m[j][3] = _mm_set_epi32(256, 0, 0, 0);
    to_shani(IV, &abef[j], &cdgh[j]);
  }
  LANE_ROUNDS(abef, cdgh, m, 0, 15);
  /* Rounds 60 and 61: after them the final H (E after round 60) sits in lane 0 of ABEF, as F. */
  _Pragma("GCC unroll 8") for (int j = 0; j < LANES; j++) {
    m[j][3] = SCHEDULE(m[j][3], m[j][0], m[j][1], m[j][2]);
    const __m128i wk = _mm_add_epi32(m[j][3], _mm_loadu_si128((const __m128i *)(K + 60)));
    const __m128i last = _mm_sha256rnds2_epu32(cdgh[j], abef[j], wk);
    top[j] = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(last) + IV[7]);
  }
}

SHANI static int64_t scan_shani(const powchain_scan_job *job, uint32_t start, uint64_t count) {
  shani_job s;
  to_shani(job->mid, &s.mid_abef, &s.mid_cdgh);
  const __m128i wk01 = _mm_set_epi32(0, 0, (int)(job->tail[1] + K[1]), (int)(job->tail[0] + K[0]));
  s.pre_abef = _mm_sha256rnds2_epu32(s.mid_cdgh, s.mid_abef, wk01);
  s.pre_cdgh = s.mid_abef;
  s.w01 = _mm_set_epi32(0, 0, (int)job->tail[1], (int)job->tail[0]);
  s.w2 = job->tail[2];
  const uint32_t t7 = job->target[7];
  for (uint64_t done = 0; done < count; done += LANES) {
    const uint32_t n = start + (uint32_t)done;
    uint32_t top[LANES];
    shani_lanes(&s, n, top);
    /* Lanes past the end (the nonce wraps there, or leaves the range) are ignored. */
    for (int j = 0; j < LANES; j++) {
      if (top[j] <= t7 && done + (uint64_t)j < count && meets(job, n + (uint32_t)j, top[j])) return (int64_t)n + j;
    }
  }
  return -1;
}
#endif

/* CPUID once: in a virtual machine each one may exit to the hypervisor. Every thread that races
   here computes the same answer. */
static int detected(void) {
  int got = __atomic_load_n(&kernel_id, __ATOMIC_RELAXED);
  if (got < 0) {
    got = KERNEL_NONE;
#if defined(__x86_64__) || defined(__i386__)
    if (has_shani()) got = KERNEL_SHANI;
#endif
    __atomic_store_n(&kernel_id, got, __ATOMIC_RELAXED);
  }
  return got;
}

const char *powchain_scan_kernel(void) {
  return detected() == KERNEL_SHANI ? "sha-ni" : NULL;
}

int64_t powchain_scan(const powchain_scan_job *job, uint32_t start, uint64_t count) {
#if defined(__x86_64__) || defined(__i386__)
  if (detected() == KERNEL_SHANI) return scan_shani(job, start, count);
#endif
  (void)job, (void)start, (void)count;
  return -1;
}
