/*
 * dgp_simd.h — the one SSE2 primitive the 16-bytes-a-step scanners share
 * (the UTF-8 check, the CSV splitter, the plain-text check).  SSE2 is in
 * every x86-64; elsewhere the scanners take their scalar paths.
 */
#ifndef DGP_SIMD_H
#define DGP_SIMD_H

#ifdef __SSE2__
#include <emmintrin.h>
#include <stddef.h>
#include <string.h>

/*
 * dgp_load16 — the sixteen bytes at p when n >= 16, else p[0..n) followed
 * by NUL bytes: a scanner's last, partial step reads nothing past the
 * input (whose end may be the end of a page or of an exact-size buffer).
 */
static inline __m128i dgp_load16(const char *p, size_t n)
{
	if (n >= 16)
		return _mm_loadu_si128((const __m128i *)(const void *)p);
	char tail[16] = {0};
	memcpy(tail, p, n);
	return _mm_loadu_si128((const __m128i *)(const void *)tail);
}
#endif

#endif /* DGP_SIMD_H */
