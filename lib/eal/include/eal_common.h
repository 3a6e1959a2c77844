/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Small helpers every layer uses: branch hints, alignment, cache lines,
 * the time-stamp counter. Header-only, no state.
 */
#ifndef UPDK_EAL_COMMON_H
#define UPDK_EAL_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include "updk_config.h"

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define CACHE_LINE_SIZE UPDK_CACHE_LINE_SIZE
#define __cache_aligned __attribute__((aligned(CACHE_LINE_SIZE)))
#define __eal_unused    __attribute__((unused))
#define __eal_always_inline inline __attribute__((always_inline))

#define EAL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define EAL_MAX(a, b) ((a) > (b) ? (a) : (b))
#define EAL_DIM(a) (sizeof(a) / sizeof((a)[0]))

/** Round @p v up to a multiple of @p align (a power of two). */
#define EAL_ALIGN_CEIL(v, align) \
	(((v) + ((__typeof__(v))(align) - 1)) & ~((__typeof__(v))(align) - 1))
/** Round @p v down to a multiple of @p align (a power of two). */
#define EAL_ALIGN_FLOOR(v, align) ((v) & ~((__typeof__(v))(align) - 1))
#define EAL_IS_POWER_OF_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))

#define eal_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/** Smallest power of two >= @p v (v <= 2^31). */
static inline uint32_t eal_align32pow2(uint32_t v)
{
	if (v <= 1)
		return 1;
	return 1u << (32 - __builtin_clz(v - 1));
}

/** Smallest power of two >= @p v (v <= 2^63). */
static inline uint64_t eal_align64pow2(uint64_t v)
{
	if (v <= 1)
		return 1;
	return 1ull << (64 - __builtin_clzll(v - 1));
}

/** Spin-wait hint for busy loops. */
static __eal_always_inline void eal_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#endif
}

/** Read the CPU's cycle counter (invariant TSC on x86). */
static __eal_always_inline uint64_t eal_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	uint64_t v;
	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
	return v;
#endif
}

/** Counter ticks per second, measured once by eal_init(). 0 before it. */
uint64_t eal_tsc_hz(void);

/** Compiler barrier: no reordering of memory accesses across it. */
#define eal_compiler_barrier() __asm__ volatile("" ::: "memory")

#endif /* UPDK_EAL_COMMON_H */
