/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Migration of a running virtio-net NIC between two vfio-user-nic server
 * processes. The test's virtio driver receives the generator's
 * sequence-numbered frames and transmits frames to the server's sink; the
 * device is stopped, its state read from server A, written into a fresh
 * server B, and the driver goes on with the same rings and buffers: no
 * frame lost or doubled, descriptors in flight at the stop completed by B,
 * MAC, features and link unchanged, the sink's count carried over. A
 * destination that refuses the stream says why, and the source can be
 * resumed.
 *
 * Usage: test_nic_migration PATH_TO_VFIO_USER_NIC
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vfio.h>

#include "genframe.h"
#include "vfio_cont.h"
#include "test_files.h"
#include "virtio_driver.h"
#include "virtio_net_dev.h"

#define STREAM_MAX 16384

static const char *nic_path;
static char tmpdir[64];

struct server {
	pid_t pid;
	char sock[128];
	char log[128];
};

static bool log_says(const char *path, const char *needle)
{
	char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}

static void server_start(struct server *s, const char *name, const char *queues)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	struct stat st;

	snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", tmpdir, name);
	snprintf(s->log, sizeof(s->log), "%s/%s.log", tmpdir, name);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		/* A failed assertion leaves this server behind: it dies with
		 * the test process instead of busy-polling on. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(nic_path, nic_path, "--socket", s->sock, "--gen", "--sink",
		      "--queues", queues, (char *)NULL);
		_exit(127);
	}
	/* Listening once it says so (the socket file appears at bind(), a
	 * moment before listen()). */
	for (int i = 0; i < 1000 && !log_says(s->log, "serving virtio-net on"); i++)
		nanosleep(&pause, NULL);
	assert_true(log_says(s->log, "serving virtio-net on"));
	assert_int_equal(stat(s->sock, &st), 0);
}

/* SIGTERM the server; @return what it printed (caller frees). */
static char *server_stop(struct server *s)
{
	char *buf;
	int status;

	kill(s->pid, SIGTERM);
	assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	buf = test_slurp(s->log);
	unlink(s->log);
	return buf;
}

static void expect_in(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL) {
		fprintf(stderr, "expected \"%s\" in:\n%s\n", needle, text);
		fail();
	}
}

/* Take @p n generator frames; each must carry the next sequence number. */
static void receive_in_order(struct vdrv *d, unsigned n, uint64_t *next_seq)
{
	uint8_t frame[VDRV_BUF_SIZE];

	for (unsigned i = 0; i < n; i++) {
		uint64_t seq = UINT64_MAX;
		int len = vdrv_rx(d, frame, 3000);

		assert_true(len > 0);
		assert_true(genframe_check(frame, (size_t)len, &seq));
		if (seq != *next_seq) {
			fprintf(stderr, "frame %u: sequence %llu, %llu expected\n", i,
				(unsigned long long)seq, (unsigned long long)*next_seq);
			fail();
		}
		(*next_seq)++;
	}
}

static void transmit(struct vdrv *d, uint64_t first, unsigned n, bool wait)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0x42, 0x42 };
	uint8_t frame[GENFRAME_LEN];

	for (unsigned i = 0; i < n; i++) {
		genframe_build(frame, mac, first + i);
		if (wait)
			assert_int_equal(vdrv_tx(d, frame, sizeof(frame), 3000), 0);
		else
			assert_int_equal(vdrv_tx_post(d, frame, sizeof(frame)), 0);
	}
}

/* What the driver sees of the device: MAC + link + features + status. */
struct device_view {
	uint8_t devcfg[10];   /* mac[6], status u16, max pairs u16 */
	uint32_t features[2]; /* driver features, as negotiated */
	uint8_t status;
};

static void bar0_read(struct vdrv *d, uint64_t off, void *v, size_t len)
{
	assert_int_equal(d->dev->ops->region_read(d->dev, VFIO_PCI_BAR0_REGION_INDEX, off, v, len),
			 (ssize_t)len);
}

static void bar0_write(struct vdrv *d, uint64_t off, uint32_t v, size_t len)
{
	assert_int_equal(d->dev->ops->region_write(d->dev, VFIO_PCI_BAR0_REGION_INDEX, off, &v,
						   len, false), (ssize_t)len);
}

static void view(struct vdrv *d, struct device_view *v)
{
	memset(v, 0, sizeof(*v));
	for (unsigned i = 0; i < sizeof(v->devcfg); i += 2)
		bar0_read(d, VNET_DEVCFG_OFF + i, v->devcfg + i, 2);
	for (uint32_t sel = 0; sel < 2; sel++) {
		bar0_write(d, VNET_CC_GFSELECT, sel, 4);
		bar0_read(d, VNET_CC_GF, &v->features[sel], 4);
	}
	bar0_read(d, VNET_CC_STATUS, &v->status, 1);
}

/* STOP_COPY and read the whole state in @p chunk-byte pieces. */
static size_t save_state(struct vfio_device *dev, uint8_t *stream, size_t chunk)
{
	size_t len = 0;
	ssize_t n;

	assert_int_equal(dev->ops->migration_set_state(dev, VFIO_CONT_MIG_STOP_COPY), 0);
	do {
		assert_true(len + chunk <= STREAM_MAX);
		n = dev->ops->migration_data_read(dev, stream + len, chunk);
		assert_true(n >= 0);
		len += (size_t)n;
	} while ((size_t)n == chunk);
	return len;
}

/* RESUMING, the stream in @p chunk-byte writes, STOP (where the device
 * checks and loads it). @return that last transition's result. */
static int load_state(struct vfio_device *dev, const uint8_t *stream, size_t len, size_t chunk)
{
	uint32_t st;

	assert_int_equal(dev->ops->migration_get_state(dev, &st), 0);
	assert_int_equal(st, VFIO_CONT_MIG_RUNNING);
	assert_int_equal(dev->ops->migration_set_state(dev, VFIO_CONT_MIG_RESUMING), 0);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		assert_int_equal(dev->ops->migration_data_write(dev, stream + off, n), (ssize_t)n);
	}
	return dev->ops->migration_set_state(dev, VFIO_CONT_MIG_STOP);
}

static void test_migrate_running_nic(void **state)
{
	struct server a, b;
	struct vdrv da, db;
	struct device_view before, after;
	static uint8_t stream[STREAM_MAX];
	uint64_t next_seq = 0, flags;
	uint16_t rx_pending, tx_in_flight;
	size_t len;
	char *out;

	(void)state;
	server_start(&a, "mig-a", "1");
	assert_int_equal(vdrv_open(&da, a.sock), 0);
	receive_in_order(&da, 40, &next_seq);
	transmit(&da, 0, 5, true);
	view(&da, &before);
	assert_int_equal(before.status, 0x0f);

	assert_int_equal(da.dev->ops->migration_get_flags(da.dev, &flags), 0);
	assert_true(flags & VFIO_CONT_MIGRATION_STOP_COPY);
	assert_int_equal(da.dev->ops->migration_set_state(da.dev, VFIO_CONT_MIG_STOP), 0);
	/* Stopped: frames the driver posts now stay in flight, and the
	 * generator fills no more RX buffers. */
	rx_pending = (uint16_t)vdrv_rx_pending(&da);
	transmit(&da, 5, 3, false);
	usleep(100 * 1000);
	assert_int_equal(vdrv_tx_in_flight(&da), 3);
	assert_int_equal(vdrv_rx_pending(&da), rx_pending);
	len = save_state(da.dev, stream, 100);
	assert_true(len > 100);

	server_start(&b, "mig-b", "1");
	assert_int_equal(vdrv_attach_same_memory(&db, &da, b.sock), 0);
	assert_int_equal(load_state(db.dev, stream, len, 50), 0);
	/* loaded but stopped: still nothing moves */
	usleep(50 * 1000);
	tx_in_flight = (uint16_t)vdrv_tx_in_flight(&da);
	assert_int_equal(tx_in_flight, 3);
	assert_int_equal(vdrv_rx_pending(&da), rx_pending);
	assert_int_equal(db.dev->ops->migration_set_state(db.dev, VFIO_CONT_MIG_RUNNING), 0);
	vdrv_take_over(&db, &da);

	/* B completes what was in flight, and traffic goes on in order */
	assert_int_equal(vdrv_tx_wait(&db, 3000), 0);
	receive_in_order(&db, 40, &next_seq);
	transmit(&db, 8, 2, true);
	view(&db, &after);
	assert_memory_equal(&before, &after, sizeof(before));

	vdrv_close(&db);
	out = server_stop(&b);
	/* B's sink counted on from A's: 5 there, 3 in flight + 2 here */
	expect_in(out, "nic0 sink: ok 10 bad 0 lost 0 reordered 0");
	free(out);
	out = server_stop(&a);
	expect_in(out, "nic0 sink: ok 5 bad 0 lost 0 reordered 0");
	free(out);
	vdrv_close(&da);
}

static void test_refused_stream(void **state)
{
	struct server a, b;
	struct vdrv da, db;
	static uint8_t stream[STREAM_MAX];
	uint64_t next_seq = 0;
	uint32_t st;
	size_t len;
	char *out;

	(void)state;
	/* the source has two queue pairs, the destination one */
	server_start(&a, "ref-a", "2");
	server_start(&b, "ref-b", "1");
	assert_int_equal(vdrv_open(&da, a.sock), 0);
	receive_in_order(&da, 10, &next_seq);
	assert_int_equal(da.dev->ops->migration_set_state(da.dev, VFIO_CONT_MIG_STOP), 0);
	len = save_state(da.dev, stream, 4096);

	assert_int_equal(vdrv_attach_same_memory(&db, &da, b.sock), 0);
	assert_int_equal(load_state(db.dev, stream, len, 4096), -EINVAL);
	assert_int_equal(db.dev->ops->migration_set_state(db.dev, VFIO_CONT_MIG_RUNNING), -EINVAL);
	assert_int_equal(db.dev->ops->migration_get_state(db.dev, &st), 0);
	assert_int_equal(st, VFIO_CONT_MIG_ERROR);
	/* a stream altered on its way is refused too (after a reset) */
	assert_int_equal(db.dev->ops->reset(db.dev), 0);
	stream[len / 2] ^= 0x01;
	assert_int_equal(load_state(db.dev, stream, len, 4096), -EINVAL);
	/* and one cut short */
	assert_int_equal(db.dev->ops->reset(db.dev), 0);
	stream[len / 2] ^= 0x01;
	assert_int_equal(load_state(db.dev, stream, len - 10, 4096), -EINVAL);
	vdrv_close(&db);
	out = server_stop(&b);
	expect_in(out, "the source had 5 queues, this NIC has 3: start it with --queues 2");
	expect_in(out, "corrupt (checksum mismatch)");
	expect_in(out, "truncated");
	free(out);

	/* the source runs again where it stopped */
	assert_int_equal(da.dev->ops->migration_set_state(da.dev, VFIO_CONT_MIG_RUNNING), 0);
	receive_in_order(&da, 20, &next_seq);
	vdrv_close(&da);
	out = server_stop(&a);
	free(out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_running_nic),
		cmocka_unit_test(test_refused_stream),
	};
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH_TO_VFIO_USER_NIC\n", argv[0]);
		return 2;
	}
	nic_path = argv[1];
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/updk-nicmig-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return rc;
}
