/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mbuf under an EAL with --no-huge: the descriptor layout, pool creation
 * and its errors, single and bulk alloc/free accounting, reference counts
 * (free with refcnt > 1 keeps the mbuf; concurrent updates), chains, the
 * prepend/append/adj/trim edge cases, data pointers and IOVAs, the private
 * area, mbuf_check(), pktmbuf_read() and pktmbuf_dump().
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "eal.h"
#include "mbuf.h"

#define POOL_SIZE 256

static struct mempool *pool;

static int group_setup(void **state)
{
	char prefix[64];
	int ret;

	(void)state;
	snprintf(prefix, sizeof(prefix), "test_mbuf_%d", (int)getpid());
	char *argv[] = { "test_mbuf", "--no-huge", "-l", "0", "--file-prefix", prefix, NULL };
	ret = eal_init((int)EAL_DIM(argv) - 1, argv);
	if (ret < 0) {
		fprintf(stderr, "eal_init(--no-huge) failed: %s\n", strerror(-ret));
		return -1;
	}
	pool = pktmbuf_pool_create("test_mbuf", POOL_SIZE, 0, 0, MBUF_DEFAULT_BUF_SIZE,
				   EAL_SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "pktmbuf_pool_create failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mempool_free(pool);
	eal_cleanup();
	return 0;
}

/* Every test must leave the shared pool full. */
static int check_pool_full(void **state)
{
	(void)state;
	if (mempool_avail_count(pool) != POOL_SIZE) {
		fprintf(stderr, "pool leaked: %u of %u available\n", mempool_avail_count(pool),
			POOL_SIZE);
		return -1;
	}
	return 0;
}

static void assert_fresh(const struct mbuf *m, struct mempool *mp)
{
	const char *why = "?";

	assert_non_null(m);
	assert_ptr_equal(m->pool, mp);
	assert_int_equal(m->data_off, EAL_MIN((unsigned)MBUF_HEADROOM, (unsigned)m->buf_len));
	assert_int_equal(m->data_len, 0);
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(mbuf_refcnt_read(m), 1);
	assert_null(m->next);
	assert_int_equal(m->port, MBUF_PORT_INVALID);
	assert_true(m->ol_flags == 0);
	assert_int_equal(m->packet_type, 0);
	if (mbuf_check(m, true, &why) != 0) {
		print_error("mbuf_check: %s\n", why);
		fail();
	}
}

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct mbuf), 128);
	assert_int_equal(_Alignof(struct mbuf), 64);
	assert_int_equal(offsetof(struct mbuf, buf_addr), 0);
	assert_int_equal(offsetof(struct mbuf, buf_iova), 8);
	assert_int_equal(offsetof(struct mbuf, rearm_data), 16);
	assert_int_equal(offsetof(struct mbuf, data_off), 16);
	assert_int_equal(offsetof(struct mbuf, refcnt), 18);
	assert_int_equal(offsetof(struct mbuf, nb_segs), 20);
	assert_int_equal(offsetof(struct mbuf, port), 22);
	/* Everything rx and tx touch is in the first line. */
	assert_true(offsetof(struct mbuf, ol_flags) + 8 <= 64);
	assert_true(offsetof(struct mbuf, packet_type) + 4 <= 64);
	assert_true(offsetof(struct mbuf, pkt_len) + 4 <= 64);
	assert_true(offsetof(struct mbuf, data_len) + 2 <= 64);
	assert_true(offsetof(struct mbuf, vlan_tci) + 2 <= 64);
	assert_true(offsetof(struct mbuf, hash) + sizeof(((struct mbuf *)0)->hash) <= 64);
	assert_true(offsetof(struct mbuf, tx_offload) + 8 <= 64);
	/* The slow fields are in the second. */
	assert_int_equal(offsetof(struct mbuf, pool), 64);
	assert_true(offsetof(struct mbuf, next) >= 64);
	assert_true(offsetof(struct mbuf, buf_len) >= 64);
	assert_true(offsetof(struct mbuf, priv_size) >= 64);
	assert_true(offsetof(struct mbuf, timestamp) >= 64);

	/* rearm_data overlays the four 16-bit fields in memory order. */
	struct mbuf m;
	memset(&m, 0, sizeof(m));
	m.data_off = 0x1111;
	m.refcnt = 0x2222;
	m.nb_segs = 0x3333;
	m.port = 0x4444;
	uint16_t words[4];
	memcpy(words, &m.rearm_data, sizeof(words));
	assert_int_equal(words[0], 0x1111);
	assert_int_equal(words[1], 0x2222);
	assert_int_equal(words[2], 0x3333);
	assert_int_equal(words[3], 0x4444);
}

static void test_pool_create_errors(void **state)
{
	struct mempool *mp;

	(void)state;
	errno = 0;
	assert_null(pktmbuf_pool_create(NULL, 16, 0, 0, 2048, EAL_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(pktmbuf_pool_create("bad_priv", 16, 0, 12, 2048, EAL_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(pktmbuf_pool_create("zero_n", 0, 0, 0, 2048, EAL_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(pktmbuf_pool_create("test_mbuf", 16, 0, 0, 2048, EAL_SOCKET_ID_ANY));
	assert_int_equal(errno, EEXIST);
	/* A cache larger than the pool allows is the mempool's error. */
	errno = 0;
	assert_null(pktmbuf_pool_create("big_cache", 16, 64, 0, 2048, EAL_SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);

	mp = pktmbuf_pool_create("ok_pool", 16, 0, 0, 2048, EAL_SOCKET_ID_ANY);
	assert_non_null(mp);
	assert_int_equal(pktmbuf_data_room_size(mp), 2048);
	assert_int_equal(pktmbuf_priv_size(mp), 0);
	assert_int_equal(mempool_avail_count(mp), 16);
	assert_int_equal(mempool_elt_size(mp), sizeof(struct mbuf) + 2048);
	mempool_free(mp);
}

static void test_alloc_free_counts(void **state)
{
	struct mbuf *all[POOL_SIZE];
	struct mbuf *m;
	unsigned i;

	(void)state;
	m = pktmbuf_alloc(pool);
	assert_fresh(m, pool);
	assert_int_equal(m->buf_len, MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(mempool_in_use_count(pool), 1);
	assert_int_equal(mempool_avail_count(pool), POOL_SIZE - 1);
	pktmbuf_free(m);
	assert_int_equal(mempool_in_use_count(pool), 0);

	for (i = 0; i < POOL_SIZE; i++) {
		all[i] = pktmbuf_alloc(pool);
		assert_non_null(all[i]);
		/* Every mbuf is cache-line aligned and distinct. */
		assert_int_equal((uintptr_t)all[i] % 64, 0);
		if (i > 0)
			assert_ptr_not_equal(all[i], all[i - 1]);
	}
	assert_null(pktmbuf_alloc(pool));
	assert_true(mempool_empty(pool));
	for (i = 0; i < POOL_SIZE; i++)
		pktmbuf_free(all[i]);
	assert_true(mempool_full(pool));
	pktmbuf_free(NULL); /* ignored */
}

static void test_alloc_reset_after_use(void **state)
{
	struct mbuf *m = pktmbuf_alloc(pool);

	(void)state;
	assert_non_null(pktmbuf_append(m, 100));
	m->ol_flags = MBUF_F_RX_VLAN;
	m->vlan_tci = 5;
	m->port = 3;
	m->packet_type = MBUF_PTYPE_L2_ETHER;
	m->tx_offload = 0x1234;
	pktmbuf_free(m);
	/* Without a cache the ring is FIFO, so drain it to get m back. */
	struct mbuf *all[POOL_SIZE];
	assert_int_equal(pktmbuf_alloc_bulk(pool, all, POOL_SIZE), 0);
	for (unsigned i = 0; i < POOL_SIZE; i++) {
		assert_fresh(all[i], pool);
		assert_true(all[i]->tx_offload == 0);
		assert_int_equal(all[i]->vlan_tci, 0);
	}
	pktmbuf_free_bulk(all, POOL_SIZE);
}

static void test_bulk(void **state)
{
	struct mbuf *burst[POOL_SIZE + 32];
	struct mempool *other;
	struct mbuf *mixed[40];
	unsigned i;

	(void)state;
	assert_int_equal(pktmbuf_alloc_bulk(pool, burst, 32), 0);
	for (i = 0; i < 32; i++)
		assert_fresh(burst[i], pool);
	assert_int_equal(mempool_in_use_count(pool), 32);
	/* All or nothing: asking for more than is left takes none. */
	assert_int_equal(pktmbuf_alloc_bulk(pool, burst + 32, POOL_SIZE), -ENOENT);
	assert_int_equal(mempool_in_use_count(pool), 32);
	pktmbuf_free_bulk(burst, 32);
	assert_true(mempool_full(pool));

	/* More than one batch of MBUF_FREE_BULK_SZ, with NULL holes. */
	assert_int_equal(pktmbuf_alloc_bulk(pool, burst, 200), 0);
	struct mbuf *held[2] = { burst[5], burst[150] };
	burst[5] = NULL;
	burst[150] = NULL;
	pktmbuf_free_bulk(burst, 200);
	assert_int_equal(mempool_in_use_count(pool), 2);
	pktmbuf_free_bulk(held, 2);
	assert_true(mempool_full(pool));

	/* Interleaved pools: each mbuf goes home. */
	other = pktmbuf_pool_create("other", 64, 0, 0, 512, EAL_SOCKET_ID_ANY);
	assert_non_null(other);
	for (i = 0; i < 40; i++) {
		mixed[i] = pktmbuf_alloc(i % 3 == 0 ? other : pool);
		assert_non_null(mixed[i]);
	}
	pktmbuf_free_bulk(mixed, 40);
	assert_true(mempool_full(other));
	mempool_free(other);
}

static void test_refcnt(void **state)
{
	struct mbuf *m = pktmbuf_alloc(pool);

	(void)state;
	assert_int_equal(mbuf_refcnt_update(m, 1), 2);
	assert_int_equal(mbuf_refcnt_read(m), 2);
	pktmbuf_free(m);
	/* One reference left: not back in the pool. */
	assert_int_equal(mempool_in_use_count(pool), 1);
	assert_int_equal(mbuf_refcnt_read(m), 1);
	pktmbuf_free(m);
	assert_int_equal(mempool_in_use_count(pool), 0);

	/* The same through the bulk free. */
	m = pktmbuf_alloc(pool);
	mbuf_refcnt_update(m, 2);
	pktmbuf_free_bulk(&m, 1);
	pktmbuf_free_bulk(&m, 1);
	assert_int_equal(mempool_in_use_count(pool), 1);
	assert_int_equal(mbuf_refcnt_read(m), 1);
	pktmbuf_free_bulk(&m, 1);
	assert_int_equal(mempool_in_use_count(pool), 0);

	/* pktmbuf_prefree_seg hands back only on the last reference. */
	m = pktmbuf_alloc(pool);
	mbuf_refcnt_set(m, 2);
	assert_null(pktmbuf_prefree_seg(m));
	assert_ptr_equal(pktmbuf_prefree_seg(m), m);
	assert_int_equal(mbuf_refcnt_read(m), 1);
	mempool_put(pool, m);
}

struct refcnt_thread {
	struct mbuf *m;
	unsigned rounds;
};

static void *refcnt_worker(void *arg)
{
	const struct refcnt_thread *t = arg;

	for (unsigned i = 0; i < t->rounds; i++) {
		mbuf_refcnt_update(t->m, 1);
		mbuf_refcnt_update(t->m, -1);
	}
	return NULL;
}

/* Above 1 the updates are atomic: none is lost between threads. */
static void test_refcnt_concurrent(void **state)
{
	struct refcnt_thread t;
	pthread_t th[2];

	(void)state;
	t.m = pktmbuf_alloc(pool);
	t.rounds = 200000;
	mbuf_refcnt_set(t.m, 3);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, refcnt_worker, &t), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(mbuf_refcnt_read(t.m), 3);
	mbuf_refcnt_set(t.m, 1);
	pktmbuf_free(t.m);
}

static struct mbuf *alloc_with(uint16_t len, uint8_t fill)
{
	struct mbuf *m = pktmbuf_alloc(pool);
	char *p;

	assert_non_null(m);
	p = pktmbuf_append(m, len);
	assert_non_null(p);
	memset(p, fill, len);
	return m;
}

static void test_chain(void **state)
{
	struct mbuf *a = alloc_with(100, 0xa), *b = alloc_with(200, 0xb), *c = alloc_with(300, 0xc);
	const char *why = NULL;
	uint8_t buf[600];
	const uint8_t *p;

	(void)state;
	assert_int_equal(pktmbuf_chain(b, c), 0);
	assert_int_equal(b->nb_segs, 2);
	assert_int_equal(b->pkt_len, 500);
	assert_int_equal(pktmbuf_chain(a, b), 0);
	assert_int_equal(a->nb_segs, 3);
	assert_int_equal(a->pkt_len, 600);
	assert_ptr_equal(pktmbuf_lastseg(a), c);
	assert_false(pktmbuf_is_contiguous(a));
	/* A former head now describes its own segment only. */
	assert_int_equal(b->pkt_len, b->data_len);
	assert_int_equal(mbuf_check(a, true, &why), 0);

	/* Reading across the segments. */
	p = pktmbuf_read(a, 90, 20, buf);
	assert_ptr_equal(p, buf);
	for (int i = 0; i < 20; i++)
		assert_int_equal(p[i], i < 10 ? 0xa : 0xb);
	p = pktmbuf_read(a, 120, 10, buf);
	assert_ptr_equal(p, pktmbuf_mtod_offset(b, const uint8_t *, 20)); /* no copy */
	assert_non_null(pktmbuf_read(a, 0, 600, buf));
	assert_int_equal(buf[599], 0xc);
	assert_null(pktmbuf_read(a, 1, 600, buf));

	/* append goes to the last segment, trim takes from it. */
	assert_non_null(pktmbuf_append(a, 10));
	assert_int_equal(c->data_len, 310);
	assert_int_equal(a->pkt_len, 610);
	assert_int_equal(pktmbuf_trim(a, 310), 0);
	assert_int_equal(c->data_len, 0);
	assert_int_equal(a->pkt_len, 300);
	assert_int_equal(pktmbuf_trim(a, 1), -1); /* last segment is empty */
	assert_int_equal(a->pkt_len, 300);
	assert_int_equal(mbuf_check(a, true, &why), 0);

	/* Inconsistencies are reported. */
	a->pkt_len++;
	assert_int_equal(mbuf_check(a, true, &why), -EINVAL);
	assert_non_null(why);
	a->pkt_len--;
	a->nb_segs = 2;
	assert_int_equal(mbuf_check(a, true, &why), -EINVAL);
	a->nb_segs = 3;

	/* Freeing the head frees every segment. */
	assert_int_equal(mempool_in_use_count(pool), 3);
	pktmbuf_free(a);
	assert_int_equal(mempool_in_use_count(pool), 0);
	/* and resets chain fields for the next user */
	assert_int_equal(mbuf_check(b, false, &why), 0);
}

static void test_chain_refcnt_segment(void **state)
{
	struct mbuf *a = alloc_with(10, 1), *b = alloc_with(10, 2), *c = alloc_with(10, 3);

	(void)state;
	assert_int_equal(pktmbuf_chain(a, b), 0);
	assert_int_equal(pktmbuf_chain(a, c), 0);
	mbuf_refcnt_update(b, 1); /* the segment b is also held elsewhere */
	pktmbuf_free(a);
	assert_int_equal(mempool_in_use_count(pool), 1);
	assert_int_equal(mbuf_refcnt_read(b), 1);
	/* The other holder owns the segment only, not a's chain after it. */
	pktmbuf_free_seg(b);
	assert_int_equal(mempool_in_use_count(pool), 0);
}

static void test_chain_overflow(void **state)
{
	struct mbuf *a = alloc_with(10, 1), *b = alloc_with(10, 2);

	(void)state;
	a->nb_segs = MBUF_MAX_NB_SEGS; /* pretend a is already at the limit */
	assert_int_equal(pktmbuf_chain(a, b), -EOVERFLOW);
	assert_null(a->next);
	assert_int_equal(a->pkt_len, 10);
	a->nb_segs = 1;
	a->pkt_len = UINT32_MAX - 5;
	assert_int_equal(pktmbuf_chain(a, b), -EOVERFLOW);
	assert_null(a->next);
	a->pkt_len = 10;
	pktmbuf_free(a);
	pktmbuf_free(b);
}

static void test_prepend_append_adj_trim(void **state)
{
	struct mbuf *m = pktmbuf_alloc(pool);
	uint16_t room = m->buf_len;
	char *p;

	(void)state;
	assert_int_equal(pktmbuf_headroom(m), MBUF_HEADROOM);
	assert_int_equal(pktmbuf_tailroom(m), room - MBUF_HEADROOM);

	/* prepend: more than the headroom fails and changes nothing. */
	assert_null(pktmbuf_prepend(m, MBUF_HEADROOM + 1));
	assert_int_equal(m->data_off, MBUF_HEADROOM);
	assert_int_equal(m->pkt_len, 0);
	p = pktmbuf_prepend(m, 14);
	assert_ptr_equal(p, (char *)m->buf_addr + MBUF_HEADROOM - 14);
	assert_int_equal(m->data_len, 14);
	assert_int_equal(m->pkt_len, 14);
	p = pktmbuf_prepend(m, MBUF_HEADROOM - 14); /* exactly the rest */
	assert_ptr_equal(p, m->buf_addr);
	assert_int_equal(pktmbuf_headroom(m), 0);
	assert_null(pktmbuf_prepend(m, 1));
	assert_int_equal(m->pkt_len, MBUF_HEADROOM);

	/* append: up to the tailroom exactly. */
	uint16_t tail = pktmbuf_tailroom(m);
	assert_null(pktmbuf_append(m, (uint16_t)(tail + 1)));
	assert_int_equal(m->data_len, MBUF_HEADROOM);
	p = pktmbuf_append(m, tail);
	assert_ptr_equal(p, (char *)m->buf_addr + MBUF_HEADROOM);
	assert_int_equal(pktmbuf_tailroom(m), 0);
	assert_int_equal(m->pkt_len, room);
	assert_null(pktmbuf_append(m, 1));
	assert_non_null(pktmbuf_append(m, 0));

	/* adj: from the front, at most data_len. */
	assert_null(pktmbuf_adj(m, (uint16_t)(room + 1)));
	assert_int_equal(m->pkt_len, room);
	p = pktmbuf_adj(m, 100);
	assert_ptr_equal(p, (char *)m->buf_addr + 100);
	assert_int_equal(m->data_len, room - 100);
	assert_int_equal(pktmbuf_headroom(m), 100);

	/* trim: from the end, at most data_len. */
	assert_int_equal(pktmbuf_trim(m, (uint16_t)(room - 99)), -1);
	assert_int_equal(m->data_len, room - 100);
	assert_int_equal(pktmbuf_trim(m, 50), 0);
	assert_int_equal(m->pkt_len, room - 150);
	assert_int_equal(pktmbuf_trim(m, (uint16_t)(room - 150)), 0);
	assert_int_equal(m->pkt_len, 0);
	assert_int_equal(m->data_len, 0);
	/* adj of everything leaves an empty packet at the end of the data. */
	assert_non_null(pktmbuf_append(m, 10));
	assert_non_null(pktmbuf_adj(m, 10));
	assert_int_equal(m->data_len, 0);
	assert_int_equal(mbuf_check(m, true, NULL), 0);

	pktmbuf_reset(m);
	assert_fresh(m, pool);
	pktmbuf_free(m);
}

struct iova_check {
	unsigned checked;
	unsigned bad;
};

static void check_obj_iova(struct mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct iova_check *c = arg;
	struct mbuf *m = obj;

	(void)mp;
	(void)idx;
	c->checked++;
	if (m->buf_iova != eal_virt2iova(m->buf_addr) ||
	    m->buf_iova != mempool_virt2iova(m) + ((char *)m->buf_addr - (char *)m))
		c->bad++;
}

static void test_pointers_and_iova(void **state)
{
	struct iova_check c = { 0, 0 };
	struct mbuf *m = pktmbuf_alloc(pool);

	(void)state;
	assert_ptr_equal(m->buf_addr, (char *)m + sizeof(struct mbuf));
	assert_ptr_equal(pktmbuf_mtod(m, char *), (char *)m->buf_addr + m->data_off);
	assert_ptr_equal(pktmbuf_mtod_offset(m, char *, 7), (char *)m->buf_addr + m->data_off + 7);
	assert_true(m->buf_iova != EAL_BAD_IOVA);
	assert_true(m->buf_iova == eal_virt2iova(m->buf_addr));
	assert_true(pktmbuf_iova(m) == eal_virt2iova(pktmbuf_mtod(m, void *)));
	assert_true(pktmbuf_iova_offset(m, 33) == eal_virt2iova(pktmbuf_mtod_offset(m, char *, 33)));
	assert_non_null(pktmbuf_append(m, 64));
	assert_non_null(pktmbuf_adj(m, 20));
	assert_true(pktmbuf_iova(m) == eal_virt2iova(pktmbuf_mtod(m, void *)));
	pktmbuf_free(m);

	assert_int_equal(mempool_obj_iter(pool, check_obj_iova, &c), POOL_SIZE);
	assert_int_equal(c.checked, POOL_SIZE);
	assert_int_equal(c.bad, 0);
}

static void test_priv_area_and_small_room(void **state)
{
	struct mempool *mp;
	struct mbuf *m;

	(void)state;
	mp = pktmbuf_pool_create("priv", 8, 0, 64, 1024, EAL_SOCKET_ID_ANY);
	assert_non_null(mp);
	assert_int_equal(pktmbuf_priv_size(mp), 64);
	m = pktmbuf_alloc(mp);
	assert_int_equal(m->priv_size, 64);
	assert_ptr_equal(pktmbuf_priv(m), (char *)m + sizeof(struct mbuf));
	assert_ptr_equal(m->buf_addr, (char *)m + sizeof(struct mbuf) + 64);
	assert_true(m->buf_iova == eal_virt2iova(m->buf_addr));
	memset(pktmbuf_priv(m), 0x5a, 64); /* the area is really there */
	assert_int_equal(m->buf_len, 1024);
	pktmbuf_free(m);
	mempool_free(mp);

	/* A data room smaller than the headroom: data starts at its end. */
	mp = pktmbuf_pool_create("tiny", 8, 0, 0, 64, EAL_SOCKET_ID_ANY);
	assert_non_null(mp);
	m = pktmbuf_alloc(mp);
	assert_int_equal(m->data_off, 64);
	assert_int_equal(pktmbuf_tailroom(m), 0);
	assert_null(pktmbuf_append(m, 1));
	assert_non_null(pktmbuf_prepend(m, 64));
	pktmbuf_free(m);
	mempool_free(mp);
}

static void test_dump(void **state)
{
	struct mbuf *a = alloc_with(40, 0x11), *b = alloc_with(8, 0x22);
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(pktmbuf_chain(a, b), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	pktmbuf_dump(f, a, 44);
	pktmbuf_dump(f, NULL, 0);
	fclose(f);
	assert_non_null(strstr(text, "pkt_len 48"));
	assert_non_null(strstr(text, "nb_segs 2"));
	assert_non_null(strstr(text, "segment 1"));
	assert_non_null(strstr(text, " 11 11"));
	assert_non_null(strstr(text, " 22 22 22 22"));
	assert_null(strstr(text, " 22 22 22 22 22")); /* stopped at 44 bytes */
	assert_non_null(strstr(text, "mbuf: NULL"));
	free(text);
	pktmbuf_free(a);
}

static void test_check_detects_freed(void **state)
{
	struct mbuf *m = pktmbuf_alloc(pool);
	const char *why = NULL;

	(void)state;
	if (m == NULL)
		fail();
	assert_int_equal(mbuf_check(NULL, false, &why), -EINVAL);
	mbuf_refcnt_set(m, 0);
	assert_int_equal(mbuf_check(m, false, &why), -EINVAL);
	assert_non_null(strstr(why, "refcnt"));
	mbuf_refcnt_set(m, 1);
	m->data_len = (uint16_t)(m->buf_len);
	assert_int_equal(mbuf_check(m, false, &why), -EINVAL);
	m->data_len = 0;
	pktmbuf_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_pool_create_errors),
		cmocka_unit_test_teardown(test_alloc_free_counts, check_pool_full),
		cmocka_unit_test_teardown(test_alloc_reset_after_use, check_pool_full),
		cmocka_unit_test_teardown(test_bulk, check_pool_full),
		cmocka_unit_test_teardown(test_refcnt, check_pool_full),
		cmocka_unit_test_teardown(test_refcnt_concurrent, check_pool_full),
		cmocka_unit_test_teardown(test_chain, check_pool_full),
		cmocka_unit_test_teardown(test_chain_refcnt_segment, check_pool_full),
		cmocka_unit_test_teardown(test_chain_overflow, check_pool_full),
		cmocka_unit_test_teardown(test_prepend_append_adj_trim, check_pool_full),
		cmocka_unit_test_teardown(test_pointers_and_iova, check_pool_full),
		cmocka_unit_test(test_priv_area_and_small_room),
		cmocka_unit_test_teardown(test_dump, check_pool_full),
		cmocka_unit_test_teardown(test_check_detects_freed, check_pool_full),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
