/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Byte-order helpers for protocol headers.
 *
 * Header fields are kept in network order and typed be16_t / be32_t /
 * be64_t so that a reader sees which fields still need converting. The
 * conversions compile to a single bswap (or nothing on a big-endian CPU);
 * the *_CONST macros fold at compile time, for case labels and static
 * initialisers.
 */
#ifndef UPDK_NET_BYTEORDER_H
#define UPDK_NET_BYTEORDER_H

#include <stdint.h>

typedef uint16_t be16_t; /**< 16-bit value in network (big-endian) order */
typedef uint32_t be32_t; /**< 32-bit value in network (big-endian) order */
typedef uint64_t be64_t; /**< 64-bit value in network (big-endian) order */

#define NET_BSWAP16_CONST(x) ((uint16_t)((((uint16_t)(x) & 0x00ffu) << 8) | \
					  (((uint16_t)(x) & 0xff00u) >> 8)))
#define NET_BSWAP32_CONST(x) ((uint32_t)((((uint32_t)(x) & 0x000000ffu) << 24) | \
					  (((uint32_t)(x) & 0x0000ff00u) << 8) |  \
					  (((uint32_t)(x) & 0x00ff0000u) >> 8) |  \
					  (((uint32_t)(x) & 0xff000000u) >> 24)))

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/** Host to network order, folded at compile time (16 bit). */
#define CPU_TO_BE_16_CONST(x) NET_BSWAP16_CONST(x)
/** Host to network order, folded at compile time (32 bit). */
#define CPU_TO_BE_32_CONST(x) NET_BSWAP32_CONST(x)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CPU_TO_BE_16_CONST(x) ((uint16_t)(x))
#define CPU_TO_BE_32_CONST(x) ((uint32_t)(x))
#else
#error "unknown byte order: the compiler does not define __BYTE_ORDER__"
#endif
/** Network to host order, folded at compile time (16 bit). */
#define BE_TO_CPU_16_CONST(x) CPU_TO_BE_16_CONST(x)
/** Network to host order, folded at compile time (32 bit). */
#define BE_TO_CPU_32_CONST(x) CPU_TO_BE_32_CONST(x)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/** Convert a 16-bit host-order value to network order. */
static inline be16_t cpu_to_be_16(uint16_t x) { return __builtin_bswap16(x); }
/** Convert a 32-bit host-order value to network order. */
static inline be32_t cpu_to_be_32(uint32_t x) { return __builtin_bswap32(x); }
/** Convert a 64-bit host-order value to network order. */
static inline be64_t cpu_to_be_64(uint64_t x) { return __builtin_bswap64(x); }
#else
static inline be16_t cpu_to_be_16(uint16_t x) { return x; }
static inline be32_t cpu_to_be_32(uint32_t x) { return x; }
static inline be64_t cpu_to_be_64(uint64_t x) { return x; }
#endif

/** Convert a 16-bit network-order value to host order. */
static inline uint16_t be_to_cpu_16(be16_t x) { return cpu_to_be_16(x); }
/** Convert a 32-bit network-order value to host order. */
static inline uint32_t be_to_cpu_32(be32_t x) { return cpu_to_be_32(x); }
/** Convert a 64-bit network-order value to host order. */
static inline uint64_t be_to_cpu_64(be64_t x) { return cpu_to_be_64(x); }

#endif /* UPDK_NET_BYTEORDER_H */
