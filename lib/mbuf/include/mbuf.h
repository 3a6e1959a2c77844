/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Packet buffers (mbufs).
 *
 * An mbuf is a 128-byte descriptor followed by an optional private area and
 * the data buffer, all in one object of a mempool (so the buffer has an IOVA
 * a NIC can DMA to). The packet data starts at buf_addr + data_off; a
 * MBUF_HEADROOM gap in front of it lets encapsulation prepend headers
 * without copying. A packet larger than one buffer is a chain of segments
 * linked by next; only the first segment (the head) has a meaningful
 * pkt_len and nb_segs.
 *
 *     struct mempool *mp = pktmbuf_pool_create("rx", 8191, 256, 0,
 *                                              MBUF_DEFAULT_BUF_SIZE,
 *                                              EAL_SOCKET_ID_ANY);
 *     struct mbuf *m = pktmbuf_alloc(mp);
 *     char *p = pktmbuf_append(m, 64);   // NULL when it does not fit
 *     ...
 *     pktmbuf_free(m);                   // the whole chain
 *
 * Layout: the first cache line holds everything a driver touches on rx and
 * tx (addresses, lengths, flags, the 8-byte "rearm" word that a driver
 * rewrites in one store when it refills a descriptor); the second holds the
 * pool, the chain link and the rarely used fields. static_asserts below pin
 * it.
 *
 * Reference counts: an mbuf whose refcnt is 1 is owned by one thread and is
 * updated without atomics; above 1 updates are atomic. Freeing an mbuf with
 * refcnt > 1 only drops a reference.
 *
 * Free mbufs in a pool always have refcnt 1, nb_segs 1 and next NULL, so
 * allocation does not rewrite them.
 */
#ifndef UPDK_MBUF_H
#define UPDK_MBUF_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "eal_common.h"
#include "eal_log.h"
#include "mempool.h"

/** Bytes kept free in front of the packet data for prepending headers. */
#define MBUF_HEADROOM 128
/** Data room (headroom included) of the default pool: a 2048-byte frame. */
#define MBUF_DEFAULT_DATAROOM 2048
/** Default data_room_size for pktmbuf_pool_create(). */
#define MBUF_DEFAULT_BUF_SIZE (MBUF_DEFAULT_DATAROOM + MBUF_HEADROOM)
/** Largest data_room_size: buf_len is 16 bits. */
#define MBUF_MAX_DATAROOM UINT16_MAX
/** The private area size must be a multiple of this. */
#define MBUF_PRIV_ALIGN 8
/** Most segments one packet can have (nb_segs is 16 bits). */
#define MBUF_MAX_NB_SEGS UINT16_MAX
/** Value of mbuf.port when no port received the packet. */
#define MBUF_PORT_INVALID UINT16_MAX

/**
 * @name Offload flags (mbuf.ol_flags)
 * Set by drivers on rx (MBUF_F_RX_*), by the application for tx
 * (MBUF_F_TX_*).
 * @{
 */
#define MBUF_F_RX_VLAN          (1ull << 0)  /**< vlan_tci holds a VLAN tag */
#define MBUF_F_RX_RSS_HASH      (1ull << 1)  /**< hash.rss is valid */
#define MBUF_F_RX_VLAN_STRIPPED (1ull << 2)  /**< the tag was removed from the data */
#define MBUF_F_RX_IP_CKSUM_GOOD (1ull << 3)
#define MBUF_F_RX_IP_CKSUM_BAD  (1ull << 4)
#define MBUF_F_RX_L4_CKSUM_GOOD (1ull << 5)  /**< the TCP/UDP checksum is correct */
#define MBUF_F_RX_L4_CKSUM_BAD  (1ull << 6)  /**< the TCP/UDP checksum is wrong */
/** No information on the TCP/UDP checksum: check it in software if needed. */
#define MBUF_F_RX_L4_CKSUM_UNKNOWN 0ull
/** The TCP/UDP data is intact but the checksum field was not computed: it
 *  holds the pseudo-header sum (a virtual device passing a frame whose
 *  sender left the checksum to offload). Compute it before forwarding the
 *  frame to a destination that checks it. */
#define MBUF_F_RX_L4_CKSUM_NONE (MBUF_F_RX_L4_CKSUM_GOOD | MBUF_F_RX_L4_CKSUM_BAD)
/** The two bits above: compare (ol_flags & MASK) with UNKNOWN, GOOD, BAD or NONE. */
#define MBUF_F_RX_L4_CKSUM_MASK (MBUF_F_RX_L4_CKSUM_GOOD | MBUF_F_RX_L4_CKSUM_BAD)
#define MBUF_F_RX_TIMESTAMP     (1ull << 7)  /**< timestamp is valid */

#define MBUF_F_TX_VLAN          (1ull << 48) /**< insert vlan_tci */
#define MBUF_F_TX_IPV4          (1ull << 49) /**< the packet is IPv4 (for offloads) */
#define MBUF_F_TX_IPV6          (1ull << 50) /**< the packet is IPv6 (for offloads) */
#define MBUF_F_TX_IP_CKSUM      (1ull << 51) /**< compute the IPv4 header checksum */
/*
 * TX L4 checksum request: one value under MBUF_F_TX_L4_MASK. The port must
 * have the matching ETHDEV_TX_OFFLOAD_*_CKSUM enabled. The application sets l2_len and l3_len (the L4 header starts at their sum)
 * and writes the pseudo-header sum (ipv4_phdr_cksum(), ipv6_phdr_cksum())
 * into the L4 checksum field; the NIC completes it over the L4 bytes.
 */
#define MBUF_F_TX_TCP_CKSUM     (1ull << 52) /**< compute the TCP checksum */
#define MBUF_F_TX_UDP_CKSUM     (2ull << 52) /**< compute the UDP checksum */
#define MBUF_F_TX_L4_NO_CKSUM   (0ull << 52) /**< no L4 checksum request */
#define MBUF_F_TX_L4_MASK       (3ull << 52)
#define MBUF_F_TX_TCP_SEG       (1ull << 54) /**< TCP segmentation (tso_segsz) */
/** @} */

/**
 * @name Packet types (mbuf.packet_type), one value per layer mask.
 * @{
 */
#define MBUF_PTYPE_UNKNOWN    0x00000000u
#define MBUF_PTYPE_L2_ETHER   0x00000001u
#define MBUF_PTYPE_L2_VLAN    0x00000002u
#define MBUF_PTYPE_L2_QINQ    0x00000003u
#define MBUF_PTYPE_L2_MASK    0x0000000fu
#define MBUF_PTYPE_L3_IPV4    0x00000010u
#define MBUF_PTYPE_L3_IPV4_EXT 0x00000020u /**< with options */
#define MBUF_PTYPE_L3_IPV6    0x00000030u
#define MBUF_PTYPE_L3_IPV6_EXT 0x00000040u /**< with extension headers */
#define MBUF_PTYPE_L3_MASK    0x000000f0u
#define MBUF_PTYPE_L4_TCP     0x00000100u
#define MBUF_PTYPE_L4_UDP     0x00000200u
#define MBUF_PTYPE_L4_FRAG    0x00000300u
#define MBUF_PTYPE_L4_ICMP    0x00000400u
#define MBUF_PTYPE_L4_MASK    0x00000f00u
/** @} */

/** A packet buffer descriptor: two cache lines, see the file comment. */
struct mbuf {
	/* ---- first cache line: rx/tx fast path ---- */
	void *buf_addr;        /**< start of the buffer (headroom included) */
	uint64_t buf_iova;     /**< IOVA of buf_addr */

	/** The fields a driver resets when it refills an rx descriptor,
	 *  writable as one 64-bit store (rearm_data). */
	union {
		uint64_t rearm_data;
		struct {
			uint16_t data_off; /**< packet start, from buf_addr */
			uint16_t refcnt;   /**< use mbuf_refcnt_*() */
			uint16_t nb_segs;  /**< segments in the chain (head only) */
			uint16_t port;     /**< input port, MBUF_PORT_INVALID if none */
		};
	};

	uint64_t ol_flags;     /**< MBUF_F_* */

	uint32_t packet_type;  /**< MBUF_PTYPE_* */
	uint32_t pkt_len;      /**< bytes in all segments (head only) */
	uint16_t data_len;     /**< bytes in this segment */
	uint16_t vlan_tci;     /**< host order, valid with MBUF_F_RX_VLAN / TX_VLAN */
	union {
		uint32_t rss;      /**< RSS hash, valid with MBUF_F_RX_RSS_HASH */
		struct {
			uint16_t hash;
			uint16_t id;
		} fdir;            /**< flow director match */
	} hash;

	/** Header lengths for tx offloads, written as one 64-bit store. */
	union {
		uint64_t tx_offload;
		struct {
			uint64_t l2_len : 7;
			uint64_t l3_len : 9;
			uint64_t l4_len : 8;
			uint64_t tso_segsz : 16;
			uint64_t outer_l3_len : 9;
			uint64_t outer_l2_len : 7;
		};
	};
	uint16_t vlan_tci_outer; /**< host order, for QinQ */

	/* ---- second cache line: slow path and application data ---- */
	/** Pool this mbuf returns to. Aligned so that the second line starts here. */
	struct mempool *pool __cache_aligned;
	struct mbuf *next;     /**< next segment, NULL for the last */
	uint16_t priv_size;    /**< bytes of the private area after the mbuf */
	uint16_t buf_len;      /**< bytes of the buffer (headroom included) */
	uint32_t seqn;         /**< free for the application, e.g. ordering checks */
	uint64_t timestamp;    /**< valid with MBUF_F_RX_TIMESTAMP */
	union {
		void *userdata;    /**< free for the application */
		uint64_t udata64;
	};
	uint64_t dynfield[3];  /**< free for drivers and applications */
} __cache_aligned;

static_assert(sizeof(struct mbuf) == 2 * CACHE_LINE_SIZE, "mbuf is two cache lines");
static_assert(offsetof(struct mbuf, buf_addr) == 0, "buf_addr first");
static_assert(offsetof(struct mbuf, buf_iova) == 8, "buf_iova at 8");
static_assert(offsetof(struct mbuf, rearm_data) == 16, "rearm_data at 16");
static_assert(offsetof(struct mbuf, data_off) == 16 && offsetof(struct mbuf, refcnt) == 18 &&
	      offsetof(struct mbuf, nb_segs) == 20 && offsetof(struct mbuf, port) == 22,
	      "rearm_data covers data_off, refcnt, nb_segs, port");
static_assert(offsetof(struct mbuf, ol_flags) == 24, "ol_flags at 24");
static_assert(offsetof(struct mbuf, packet_type) == 32, "packet_type at 32");
static_assert(offsetof(struct mbuf, pkt_len) == 36, "pkt_len at 36");
static_assert(offsetof(struct mbuf, data_len) == 40, "data_len at 40");
static_assert(offsetof(struct mbuf, vlan_tci) == 42, "vlan_tci at 42");
static_assert(offsetof(struct mbuf, hash) == 44, "hash at 44");
static_assert(offsetof(struct mbuf, tx_offload) == 48, "tx_offload at 48");
static_assert(offsetof(struct mbuf, vlan_tci_outer) + sizeof(uint16_t) <= CACHE_LINE_SIZE,
	      "every rx/tx field is in the first cache line");
static_assert(offsetof(struct mbuf, pool) == CACHE_LINE_SIZE, "pool starts the second line");
static_assert(offsetof(struct mbuf, next) == CACHE_LINE_SIZE + 8, "next at 72");
static_assert(offsetof(struct mbuf, buf_len) < 2 * CACHE_LINE_SIZE, "buf_len in the second line");

/** What pktmbuf_pool_create() keeps in the pool's private area. */
struct pktmbuf_pool_private {
	uint16_t mbuf_data_room_size; /**< buffer bytes per mbuf, headroom included */
	uint16_t mbuf_priv_size;      /**< private bytes per mbuf */
	uint32_t flags;               /**< reserved, 0 */
};

/** Log component "mbuf". */
extern struct eal_log_component mbuf_logtype;

/**
 * @name Data pointers
 * @{
 */
/** Pointer of type @p t to byte @p o of the packet data of segment @p m. */
#define pktmbuf_mtod_offset(m, t, o) \
	((t)(void *)((char *)(m)->buf_addr + (m)->data_off + (o)))
/** Pointer of type @p t to the start of the packet data of segment @p m. */
#define pktmbuf_mtod(m, t) pktmbuf_mtod_offset(m, t, 0)
/** IOVA of byte @p o of the packet data of segment @p m. */
#define pktmbuf_iova_offset(m, o) ((uint64_t)((m)->buf_iova + (m)->data_off + (o)))
/** IOVA of the start of the packet data of segment @p m. */
#define pktmbuf_iova(m) pktmbuf_iova_offset(m, 0)
/** Bytes of the whole packet (@p m must be the head). */
#define pktmbuf_pkt_len(m) ((m)->pkt_len)
/** Bytes in segment @p m. */
#define pktmbuf_data_len(m) ((m)->data_len)
/** @} */

/** Start of the private area of @p m (priv_size bytes after the mbuf). */
static inline void *pktmbuf_priv(struct mbuf *m)
{
	return m + 1;
}

/** Data room of the mbufs of @p mp, headroom included. */
static inline uint16_t pktmbuf_data_room_size(struct mempool *mp)
{
	const struct pktmbuf_pool_private *priv = mempool_get_priv(mp);
	return priv->mbuf_data_room_size;
}

/** Private area size of the mbufs of @p mp. */
static inline uint16_t pktmbuf_priv_size(struct mempool *mp)
{
	const struct pktmbuf_pool_private *priv = mempool_get_priv(mp);
	return priv->mbuf_priv_size;
}

/**
 * @name Reference counting
 * @{
 */
/** Current reference count of @p m. */
static inline uint16_t mbuf_refcnt_read(const struct mbuf *m)
{
	return __atomic_load_n(&m->refcnt, __ATOMIC_RELAXED);
}

/** Set the reference count of @p m (no other thread may hold it). */
static inline void mbuf_refcnt_set(struct mbuf *m, uint16_t value)
{
	/* A plain store: the caller is the only owner, so nothing races. */
	m->refcnt = value;
}

/**
 * Add @p value (may be negative) to the reference count of @p m.
 * With a count of 1 the caller is the only owner, so no atomic is needed;
 * otherwise the update is atomic (release/acquire, so a thread that drops
 * the last reference sees the others' writes).
 * @return the new reference count
 */
static inline uint16_t mbuf_refcnt_update(struct mbuf *m, int16_t value)
{
	if (likely(mbuf_refcnt_read(m) == 1)) {
		uint16_t n = (uint16_t)(1 + value);
		mbuf_refcnt_set(m, n);
		return n;
	}
	return __atomic_add_fetch(&m->refcnt, (uint16_t)value, __ATOMIC_ACQ_REL);
}
/** @} */

/** Bytes free in front of the data of segment @p m. */
static inline uint16_t pktmbuf_headroom(const struct mbuf *m)
{
	return m->data_off;
}

/** Bytes free after the data of segment @p m. */
static inline uint16_t pktmbuf_tailroom(const struct mbuf *m)
{
	return (uint16_t)(m->buf_len - m->data_off - m->data_len);
}

/** Last segment of the chain starting at @p m. */
static inline struct mbuf *pktmbuf_lastseg(struct mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

/** @return true when the packet is in one segment. */
static inline bool pktmbuf_is_contiguous(const struct mbuf *m)
{
	return m->nb_segs == 1;
}

/** Put the data start of @p m back at MBUF_HEADROOM (or the buffer end
 *  when the buffer is smaller). */
static inline void pktmbuf_reset_headroom(struct mbuf *m)
{
	m->data_off = (uint16_t)EAL_MIN((uint16_t)MBUF_HEADROOM, m->buf_len);
}

/**
 * Make @p m an empty one-segment packet: no data, default headroom, no
 * flags, no input port. The buffer, pool and refcnt are kept.
 */
static inline void pktmbuf_reset(struct mbuf *m)
{
	m->next = NULL;
	m->pkt_len = 0;
	m->tx_offload = 0;
	m->vlan_tci = 0;
	m->vlan_tci_outer = 0;
	m->nb_segs = 1;
	m->port = MBUF_PORT_INVALID;
	m->ol_flags = 0;
	m->packet_type = 0;
	m->hash.rss = 0;
	pktmbuf_reset_headroom(m);
	m->data_len = 0;
}

/**
 * Allocate one mbuf, reset (pktmbuf_reset()).
 * @param mp  a pool from pktmbuf_pool_create()
 * @return the mbuf, or NULL when the pool is empty
 */
static inline struct mbuf *pktmbuf_alloc(struct mempool *mp)
{
	void *obj;
	struct mbuf *m;

	if (unlikely(mempool_get(mp, &obj) < 0))
		return NULL;
	m = (struct mbuf *)obj;
	pktmbuf_reset(m);
	return m;
}

/**
 * Allocate @p count mbufs, all or none, each reset.
 * @param mp     a pool from pktmbuf_pool_create()
 * @param mbufs  array of at least @p count entries
 * @return 0, or -ENOENT when the pool has fewer than @p count (nothing is
 *         taken then)
 */
static inline int pktmbuf_alloc_bulk(struct mempool *mp, struct mbuf **mbufs,
				     unsigned count)
{
	unsigned i;

	if (unlikely(mempool_get_bulk(mp, (void **)mbufs, count) < 0))
		return -ENOENT;
	for (i = 0; i < count; i++)
		pktmbuf_reset(mbufs[i]);
	return 0;
}

/**
 * Drop one reference to segment @p m and tell whether it may go back to
 * its pool. Does not follow or free m->next.
 * @return @p m, ready to be put back in its pool (refcnt 1, next NULL,
 *         nb_segs 1), or NULL when other references remain
 */
static __eal_always_inline struct mbuf *pktmbuf_prefree_seg(struct mbuf *m)
{
	if (likely(mbuf_refcnt_read(m) == 1)) {
		/* Only write when needed: most segments are already clean. */
		if (m->next != NULL)
			m->next = NULL;
		if (m->nb_segs != 1)
			m->nb_segs = 1;
		return m;
	}
	if (mbuf_refcnt_update(m, -1) == 0) {
		mbuf_refcnt_set(m, 1);
		m->next = NULL;
		m->nb_segs = 1;
		return m;
	}
	return NULL;
}

/**
 * Free one segment (drop a reference; return it to its pool with the
 * last one). Does not touch the rest of the chain.
 */
static inline void pktmbuf_free_seg(struct mbuf *m)
{
	m = pktmbuf_prefree_seg(m);
	if (likely(m != NULL))
		mempool_put(m->pool, m);
}

/**
 * Free a packet: drop one reference to every segment of the chain. NULL
 * is ignored. A segment still referenced elsewhere keeps its next link;
 * its other holder releases that segment alone with pktmbuf_free_seg().
 */
static inline void pktmbuf_free(struct mbuf *m)
{
	struct mbuf *next;

	for (; m != NULL; m = next) {
		next = m->next;
		pktmbuf_free_seg(m);
	}
}

/** Segments pktmbuf_free_bulk() gathers before one mempool_put_bulk(). */
#define MBUF_FREE_BULK_SZ 64

/**
 * Free @p count packets (every segment of each). Consecutive segments of
 * the same pool are returned with one mempool_put_bulk(), so this is much
 * cheaper than a loop of pktmbuf_free(). NULL entries are ignored.
 */
static inline void pktmbuf_free_bulk(struct mbuf **mbufs, unsigned count)
{
	void *pending[MBUF_FREE_BULK_SZ];
	struct mempool *pool = NULL;
	unsigned nb_pending = 0;
	unsigned i;

	for (i = 0; i < count; i++) {
		struct mbuf *m = mbufs[i], *next;

		for (; m != NULL; m = next) {
			next = m->next;
			m = pktmbuf_prefree_seg(m);
			if (m == NULL)
				continue;
			if (unlikely(m->pool != pool || nb_pending == MBUF_FREE_BULK_SZ)) {
				if (nb_pending > 0)
					mempool_put_bulk(pool, pending, nb_pending);
				pool = m->pool;
				nb_pending = 0;
			}
			pending[nb_pending++] = m;
		}
	}
	if (nb_pending > 0)
		mempool_put_bulk(pool, pending, nb_pending);
}

/**
 * Append the chain @p tail to the packet @p head.
 * @return 0, or -EOVERFLOW when the result would have more than
 *         MBUF_MAX_NB_SEGS segments or more than UINT32_MAX bytes (nothing
 *         is changed then)
 */
static inline int pktmbuf_chain(struct mbuf *head, struct mbuf *tail)
{
	struct mbuf *last;

	if (unlikely((unsigned)head->nb_segs + tail->nb_segs > MBUF_MAX_NB_SEGS ||
		     (uint64_t)head->pkt_len + tail->pkt_len > UINT32_MAX))
		return -EOVERFLOW;
	last = pktmbuf_lastseg(head);
	last->next = tail;
	head->nb_segs = (uint16_t)(head->nb_segs + tail->nb_segs);
	head->pkt_len += tail->pkt_len;
	/* The tail is no longer a packet head: its pkt_len means one segment. */
	tail->pkt_len = tail->data_len;
	return 0;
}

/**
 * Grow the packet at the front by @p len bytes (taken from the headroom
 * of the first segment).
 * @return pointer to the new start of the data, or NULL when the headroom
 *         is smaller than @p len (the packet is unchanged)
 */
static inline char *pktmbuf_prepend(struct mbuf *m, uint16_t len)
{
	if (unlikely(len > pktmbuf_headroom(m)))
		return NULL;
	m->data_off = (uint16_t)(m->data_off - len);
	m->data_len = (uint16_t)(m->data_len + len);
	m->pkt_len += len;
	return pktmbuf_mtod(m, char *);
}

/**
 * Grow the packet at the end by @p len bytes (taken from the tailroom of
 * the last segment).
 * @return pointer to the first appended byte, or NULL when the last
 *         segment's tailroom is smaller than @p len (the packet is unchanged)
 */
static inline char *pktmbuf_append(struct mbuf *m, uint16_t len)
{
	struct mbuf *last = pktmbuf_lastseg(m);
	char *tail;

	if (unlikely(len > pktmbuf_tailroom(last)))
		return NULL;
	tail = pktmbuf_mtod_offset(last, char *, last->data_len);
	last->data_len = (uint16_t)(last->data_len + len);
	m->pkt_len += len;
	return tail;
}

/**
 * Remove @p len bytes from the front of the packet (of the first segment).
 * @return pointer to the new start of the data, or NULL when the first
 *         segment holds fewer than @p len bytes (the packet is unchanged)
 */
static inline char *pktmbuf_adj(struct mbuf *m, uint16_t len)
{
	if (unlikely(len > m->data_len))
		return NULL;
	m->data_len = (uint16_t)(m->data_len - len);
	m->data_off = (uint16_t)(m->data_off + len);
	m->pkt_len -= len;
	return pktmbuf_mtod(m, char *);
}

/**
 * Remove @p len bytes from the end of the packet (of the last segment).
 * @return 0, or -1 when the last segment holds fewer than @p len bytes
 *         (the packet is unchanged)
 */
static inline int pktmbuf_trim(struct mbuf *m, uint16_t len)
{
	struct mbuf *last = pktmbuf_lastseg(m);

	if (unlikely(len > last->data_len))
		return -1;
	last->data_len = (uint16_t)(last->data_len - len);
	m->pkt_len -= len;
	return 0;
}

/**
 * Create a pool of mbufs.
 * @param name            pool name (unique, < MEMPOOL_NAMESIZE)
 * @param n               number of mbufs
 * @param cache_size      per-lcore cache (see mempool_create())
 * @param priv_size       private bytes after each mbuf, a multiple of
 *                        MBUF_PRIV_ALIGN
 * @param data_room_size  buffer bytes per mbuf, headroom included (at most
 *                        MBUF_MAX_DATAROOM); MBUF_DEFAULT_BUF_SIZE for
 *                        standard frames
 * @param socket_id       NUMA node or EAL_SOCKET_ID_ANY
 * @return the pool, or NULL with errno: EINVAL (bad size or alignment; the
 *         log says which), or mempool_create()'s error (EEXIST, ENOMEM)
 */
struct mempool *pktmbuf_pool_create(const char *name, unsigned n, unsigned cache_size,
				    uint16_t priv_size, uint16_t data_room_size,
				    int socket_id);

/**
 * Check the header fields of @p m for consistency (refcnt, pool, buffer
 * bounds; for a packet head, that nb_segs and pkt_len match the chain).
 * Meant for tests and debugging, not for the fast path.
 * @param m          the mbuf
 * @param is_header  check the whole chain from @p m as a packet head
 * @param reason     if not NULL, set to a description of the first problem
 * @return 0, or -EINVAL when inconsistent
 */
int mbuf_check(const struct mbuf *m, bool is_header, const char **reason);

/**
 * Print the header of each segment of @p m and a hex dump of up to
 * @p dump_len bytes of its data.
 * @param f         output stream
 * @param m         packet head (NULL prints "mbuf: NULL")
 * @param dump_len  data bytes to dump (0: none)
 */
void pktmbuf_dump(FILE *f, const struct mbuf *m, unsigned dump_len);

/**
 * Copy @p len bytes from offset @p off of a (possibly chained) packet.
 * @param m    packet head
 * @param off  first byte
 * @param len  bytes
 * @param buf  destination of at least @p len bytes
 * @return pointer to the data: straight into the mbuf when the bytes are in
 *         one segment, else @p buf after copying; NULL when the packet is
 *         shorter than @p off + @p len
 */
const void *pktmbuf_read(const struct mbuf *m, uint32_t off, uint32_t len, void *buf);

#endif /* UPDK_MBUF_H */
