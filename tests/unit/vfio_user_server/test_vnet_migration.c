/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtio-net model's own migration stream (app/vfio-user-nic): what a
 * driver set up survives save + load into another model, and every
 * truncation or inconsistent field is refused with the target untouched.
 * The callbacks are called directly: the server's framing has its own tests.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_net_dev.h"

#define BUF 8192

struct backend {
	uint64_t value;
	int fail;
};

static void tx_none(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	(void)frame;
	(void)len;
}

static size_t be_save(void *arg, uint8_t *buf, size_t cap)
{
	struct backend *b = arg;

	assert_true(cap >= 8);
	memcpy(buf, &b->value, 8);
	return 8;
}

static int be_load(void *arg, const uint8_t *buf, size_t len)
{
	struct backend *b = arg;

	if (b->fail)
		return b->fail;
	if (len != 8)
		return -EINVAL;
	memcpy(&b->value, buf, 8);
	return 0;
}

static struct vnet_dev *model(struct backend *b, unsigned pairs, uint8_t mac_last)
{
	struct vnet_params p = { .name = "m", .mac = { 2, 0, 0, 0, 0, mac_last },
				 .queue_pairs = pairs, .tx = tx_none, .tx_arg = b,
				 .backend_save = be_save, .backend_load = be_load };
	struct vnet_dev *d = vnet_dev_create(&p);

	assert_non_null(d);
	return d;
}

static void reg_write(struct vnet_dev *d, uint64_t off, uint64_t v, size_t n)
{
	const struct vus_device_info *info = vnet_dev_info(d);

	assert_int_equal(info->regions[0].access(info->priv, off, &v, n, true), 0);
}

static uint64_t reg_read(struct vnet_dev *d, uint64_t off, size_t n)
{
	const struct vus_device_info *info = vnet_dev_info(d);
	uint64_t v = 0;

	assert_int_equal(info->regions[0].access(info->priv, off, &v, n, false), 0);
	return v;
}

static size_t save(struct vnet_dev *d, uint8_t *buf)
{
	const struct vus_device_info *info = vnet_dev_info(d);
	ssize_t n = info->migration->save(info->priv, buf, BUF);

	assert_true(n > 0 && (size_t)n <= info->migration->max_state_size);
	return (size_t)n;
}

static int load(struct vnet_dev *d, const uint8_t *buf, size_t len)
{
	const struct vus_device_info *info = vnet_dev_info(d);

	return info->migration->load(info->priv, buf, len);
}

/* A driver's setup: features, queue 1 configured and enabled, selectors. */
static void drive(struct vnet_dev *d)
{
	reg_write(d, VNET_CC_STATUS, 3, 1);
	reg_write(d, VNET_CC_GFSELECT, 1, 4);
	reg_write(d, VNET_CC_GF, 1, 4); /* VERSION_1 */
	reg_write(d, VNET_CC_STATUS, 0x0b, 1);
	reg_write(d, VNET_CC_Q_SELECT, 1, 2);
	reg_write(d, VNET_CC_Q_SIZE, 64, 2);
	reg_write(d, VNET_CC_Q_DESCLO, 0x10000, 8);
	reg_write(d, VNET_CC_Q_AVAILLO, 0x11000, 8);
	reg_write(d, VNET_CC_Q_USEDLO, 0x12000, 8);
	reg_write(d, VNET_CC_Q_MSIX, 2, 2);
	reg_write(d, VNET_CC_Q_ENABLE, 1, 2);
	reg_write(d, VNET_CC_STATUS, 0x0f, 1);
}

static void test_round_trip(void **state)
{
	struct backend bs = { .value = 12345 }, bd = { 0 };
	struct vnet_dev *src = model(&bs, 2, 1), *dst = model(&bd, 2, 9);
	static uint8_t a[BUF], b[BUF];
	size_t la, lb;

	(void)state;
	drive(src);
	la = save(src, a);
	assert_int_equal(load(dst, a, la), 0);
	lb = save(dst, b);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_int_equal(bd.value, 12345);
	/* what the driver reads back on the destination */
	assert_int_equal(reg_read(dst, VNET_CC_STATUS, 1), 0x0f);
	assert_int_equal(reg_read(dst, VNET_CC_Q_SELECT, 2), 1);
	assert_int_equal(reg_read(dst, VNET_CC_Q_SIZE, 2), 64);
	assert_int_equal(reg_read(dst, VNET_CC_Q_ENABLE, 2), 1);
	assert_int_equal(reg_read(dst, VNET_CC_Q_MSIX, 2), 2);
	assert_int_equal(reg_read(dst, VNET_CC_Q_AVAILLO, 8), 0x11000);
	assert_int_equal(reg_read(dst, VNET_CC_GFSELECT, 4), 1);
	assert_int_equal(reg_read(dst, VNET_CC_GF, 4), 1);
	assert_int_equal(reg_read(dst, VNET_DEVCFG_OFF + 5, 1), 1); /* the source's MAC */
	assert_int_equal(reg_read(dst, VNET_DEVCFG_OFF + 6, 2), 1); /* link up */
	vnet_dev_destroy(src);
	vnet_dev_destroy(dst);
}

/* @p mutate the saved stream; the load must fail and change nothing. */
static void expect_refused(struct vnet_dev *dst, const uint8_t *good, size_t len,
			   size_t off, uint8_t xor_byte, int want)
{
	static uint8_t bad[BUF], before[BUF], after[BUF];
	size_t lb, la;

	memcpy(bad, good, len);
	bad[off] ^= xor_byte;
	lb = save(dst, before);
	assert_int_equal(load(dst, bad, len), want);
	la = save(dst, after);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, la);
}

static void test_refusals(void **state)
{
	struct backend bs = { .value = 7 }, bd = { .value = 1 };
	struct vnet_dev *src = model(&bs, 2, 1), *dst = model(&bd, 2, 9), *small;
	static uint8_t s[BUF], before[BUF], after[BUF];
	size_t len, lb, queue0;

	(void)state;
	drive(src);
	len = save(src, s);
	/* every truncation */
	lb = save(dst, before);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(load(dst, s, cut), -EINVAL);
	assert_int_equal(save(dst, after), lb);
	assert_memory_equal(after, before, lb);
	/* header: magic, version, total length, backend length */
	expect_refused(dst, s, len, 0, 0x01, -EINVAL);
	expect_refused(dst, s, len, 4, 0x02, -EINVAL);
	expect_refused(dst, s, len, 8, 0x01, -EINVAL);
	expect_refused(dst, s, len, 16, 0x01, -EINVAL);
	/* device: features (byte 20 + 8), active pairs 1 -> 6 (20 + 38) */
	expect_refused(dst, s, len, 20 + 8, 0x01, -EINVAL);
	expect_refused(dst, s, len, 20 + 38, 0x07, -EINVAL);
	/* queue 0: size 256 -> 768, an MSI-X vector beyond the table, enable = 2 */
	queue0 = 20 + 44;
	expect_refused(dst, s, len, queue0 + 1, 0x02, -EINVAL);
	expect_refused(dst, s, len, queue0 + 2, 0x40, -EINVAL);
	expect_refused(dst, s, len, queue0 + 4, 0x02, -EINVAL);
	/* the backend's refusal stops the load too */
	bd.fail = -EPROTO;
	expect_refused(dst, s, len, 0, 0, -EPROTO);
	assert_int_equal(bd.value, 1);
	/* another number of queues */
	small = model(&bd, 1, 3);
	bd.fail = 0;
	assert_int_equal(load(small, s, len), -EINVAL);
	vnet_dev_destroy(small);
	vnet_dev_destroy(src);
	vnet_dev_destroy(dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
