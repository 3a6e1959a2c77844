/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf pools and the slow-path helpers. The fast path is inline in mbuf.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "eal_log.h"
#include "eal_memory.h"
#include "mbuf.h"

EAL_LOG_COMPONENT_REGISTER(mbuf_logtype, "mbuf", EAL_LOG_NOTICE);

/* What the per-object initialiser needs, and what it found wrong. */
struct mbuf_init_ctx {
	uint16_t priv_size;
	uint16_t data_room_size;
	unsigned misaligned;   /* objects not on a cache line */
};

static void pktmbuf_pool_init(struct mempool *mp, void *arg)
{
	const struct mbuf_init_ctx *ctx = arg;
	struct pktmbuf_pool_private *priv = mempool_get_priv(mp);

	priv->mbuf_data_room_size = ctx->data_room_size;
	priv->mbuf_priv_size = ctx->priv_size;
	priv->flags = 0;
}

static void pktmbuf_obj_init(struct mempool *mp, void *arg, void *obj,
			     unsigned obj_idx)
{
	struct mbuf_init_ctx *ctx = arg;
	struct mbuf *m = obj;
	size_t buf_offset = sizeof(struct mbuf) + ctx->priv_size;
	uint64_t obj_iova = mempool_virt2iova(obj);

	(void)obj_idx;
	/* struct mbuf is declared cache aligned, so the compiler may assume
	 * it: a pool that breaks that must be refused, not used. */
	if (((uintptr_t)obj & (CACHE_LINE_SIZE - 1)) != 0)
		ctx->misaligned++;

	memset(m, 0, buf_offset);
	m->buf_addr = (char *)obj + buf_offset;
	m->buf_iova = obj_iova == EAL_BAD_IOVA ? EAL_BAD_IOVA : obj_iova + buf_offset;
	m->buf_len = ctx->data_room_size;
	m->priv_size = ctx->priv_size;
	m->pool = mp;
	m->next = NULL;
	m->nb_segs = 1;
	m->port = MBUF_PORT_INVALID;
	mbuf_refcnt_set(m, 1);
	pktmbuf_reset_headroom(m);
}

struct mempool *pktmbuf_pool_create(const char *name, unsigned n, unsigned cache_size,
				    uint16_t priv_size, uint16_t data_room_size,
				    int socket_id)
{
	struct mbuf_init_ctx ctx = {
		.priv_size = priv_size,
		.data_room_size = data_room_size,
	};
	unsigned elt_size = (unsigned)sizeof(struct mbuf) + priv_size + data_room_size;
	struct mempool *mp;

	if (name == NULL) {
		EAL_LOG(mbuf_logtype, ERR, "pktmbuf_pool_create: name is NULL");
		errno = EINVAL;
		return NULL;
	}
	if (priv_size % MBUF_PRIV_ALIGN != 0) {
		EAL_LOG(mbuf_logtype, ERR,
			"mbuf pool %s: priv_size %u is not a multiple of %u; round it up",
			name, priv_size, MBUF_PRIV_ALIGN);
		errno = EINVAL;
		return NULL;
	}
	if (n == 0) {
		EAL_LOG(mbuf_logtype, ERR, "mbuf pool %s: n is 0; ask for at least one mbuf",
			name);
		errno = EINVAL;
		return NULL;
	}

	mp = mempool_create(name, n, elt_size, cache_size,
			    (unsigned)sizeof(struct pktmbuf_pool_private),
			    pktmbuf_pool_init, &ctx, pktmbuf_obj_init, &ctx,
			    socket_id, 0);
	if (mp == NULL) {
		int err = errno;

		EAL_LOG(mbuf_logtype, ERR, "mbuf pool %s: cannot create its mempool of %u x %u bytes: %s",
			name, n, elt_size, strerror(err));
		errno = err;
		return NULL;
	}
	if (ctx.misaligned != 0) {
		EAL_LOG(mbuf_logtype, ERR,
			"mbuf pool %s: %u objects are not %u-byte aligned; the mempool must align objects to a cache line",
			name, ctx.misaligned, CACHE_LINE_SIZE);
		mempool_free(mp);
		errno = EINVAL;
		return NULL;
	}
	return mp;
}

static int check_fail(const char **reason, const char *why)
{
	if (reason != NULL)
		*reason = why;
	return -EINVAL;
}

static int check_segment(const struct mbuf *m, const char **reason)
{
	if (m->pool == NULL)
		return check_fail(reason, "segment has no pool");
	if (m->buf_addr == NULL)
		return check_fail(reason, "segment has no buffer");
	if (mbuf_refcnt_read(m) == 0)
		return check_fail(reason, "refcnt is 0: the mbuf was freed");
	if ((uint32_t)m->data_off + m->data_len > m->buf_len)
		return check_fail(reason, "data_off + data_len is beyond buf_len");
	return 0;
}

int mbuf_check(const struct mbuf *m, bool is_header, const char **reason)
{
	const struct mbuf *seg;
	uint64_t bytes = 0;
	unsigned nb_segs = 0;
	int rc;

	if (m == NULL)
		return check_fail(reason, "mbuf is NULL");
	if (!is_header)
		return check_segment(m, reason);

	for (seg = m; seg != NULL; seg = seg->next) {
		rc = check_segment(seg, reason);
		if (rc < 0)
			return rc;
		bytes += seg->data_len;
		/* A chain longer than nb_segs can express is a loop or garbage. */
		if (++nb_segs > MBUF_MAX_NB_SEGS)
			return check_fail(reason, "chain longer than MBUF_MAX_NB_SEGS (a loop?)");
	}
	if (nb_segs != m->nb_segs)
		return check_fail(reason, "nb_segs differs from the segments in the chain");
	if (bytes != m->pkt_len)
		return check_fail(reason, "pkt_len differs from the sum of data_len");
	if (reason != NULL)
		*reason = NULL;
	return 0;
}

static void hexdump(FILE *f, const uint8_t *p, unsigned len, unsigned start)
{
	unsigned i;

	for (i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(f, "%s  %08x:", i ? "\n" : "", start + i);
		fprintf(f, " %02x", p[i]);
	}
	if (len)
		fputc('\n', f);
}

void pktmbuf_dump(FILE *f, const struct mbuf *m, unsigned dump_len)
{
	const struct mbuf *seg;
	unsigned dumped = 0;
	unsigned idx = 0;

	if (m == NULL) {
		fprintf(f, "mbuf: NULL\n");
		return;
	}
	fprintf(f, "mbuf %p: pool %s, pkt_len %" PRIu32 ", nb_segs %u, port %u, ol_flags 0x%" PRIx64
		", packet_type 0x%" PRIx32 "\n",
		(const void *)m, m->pool ? mempool_name(m->pool) : "(none)", m->pkt_len,
		m->nb_segs, m->port, m->ol_flags, m->packet_type);
	for (seg = m; seg != NULL && idx <= MBUF_MAX_NB_SEGS; seg = seg->next, idx++) {
		unsigned n = EAL_MIN((unsigned)seg->data_len, dump_len - dumped);

		fprintf(f, "  segment %u %p: buf_addr %p, buf_iova 0x%" PRIx64 ", buf_len %u, data_off %u, data_len %u, refcnt %u\n",
			idx, (const void *)seg, seg->buf_addr, seg->buf_iova, seg->buf_len,
			seg->data_off, seg->data_len, mbuf_refcnt_read(seg));
		if (n > 0 && seg->buf_addr != NULL) {
			hexdump(f, (const uint8_t *)seg->buf_addr + seg->data_off, n, dumped);
			dumped += n;
		}
	}
}

const void *pktmbuf_read(const struct mbuf *m, uint32_t off, uint32_t len, void *buf)
{
	const struct mbuf *seg = m;
	uint8_t *dst = buf;

	if ((uint64_t)off + len > m->pkt_len)
		return NULL;
	while (seg != NULL && off >= seg->data_len) {
		off -= seg->data_len;
		seg = seg->next;
	}
	if (seg == NULL)
		return len == 0 ? (const void *)pktmbuf_mtod(m, const char *) : NULL;
	if ((uint64_t)off + len <= seg->data_len)
		return (const char *)seg->buf_addr + seg->data_off + off;

	while (len > 0 && seg != NULL) {
		uint32_t n = EAL_MIN(len, (uint32_t)seg->data_len - off);

		memcpy(dst, (const char *)seg->buf_addr + seg->data_off + off, n);
		dst += n;
		len -= n;
		off = 0;
		seg = seg->next;
	}
	/* pkt_len promised more bytes than the chain holds. */
	return len == 0 ? buf : NULL;
}
