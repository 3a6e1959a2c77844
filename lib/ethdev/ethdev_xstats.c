/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Basic and extended statistics. The generic extended statistics are
 * derived from struct ethdev_stats, so every driver has them; a driver's
 * own follow them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ethdev_private.h"

struct generic_xstat {
	const char *name;
	size_t offset; /* in struct ethdev_stats */
};

static const struct generic_xstat port_xstats[] = {
	{ "rx_good_packets", offsetof(struct ethdev_stats, ipackets) },
	{ "tx_good_packets", offsetof(struct ethdev_stats, opackets) },
	{ "rx_good_bytes", offsetof(struct ethdev_stats, ibytes) },
	{ "tx_good_bytes", offsetof(struct ethdev_stats, obytes) },
	{ "rx_missed_errors", offsetof(struct ethdev_stats, imissed) },
	{ "rx_errors", offsetof(struct ethdev_stats, ierrors) },
	{ "tx_errors", offsetof(struct ethdev_stats, oerrors) },
	{ "rx_mbuf_allocation_errors", offsetof(struct ethdev_stats, rx_nombuf) },
};

/* Per-queue ones: "rx_q<N>_<name>", offset of the array in ethdev_stats. */
static const struct generic_xstat rxq_xstats[] = {
	{ "packets", offsetof(struct ethdev_stats, q_ipackets) },
	{ "bytes", offsetof(struct ethdev_stats, q_ibytes) },
	{ "errors", offsetof(struct ethdev_stats, q_errors) },
};
static const struct generic_xstat txq_xstats[] = {
	{ "packets", offsetof(struct ethdev_stats, q_opackets) },
	{ "bytes", offsetof(struct ethdev_stats, q_obytes) },
};

int ethdev_stats_get(uint16_t port_id, struct ethdev_stats *stats)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (stats == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_stats_get: port %u: stats is NULL", port_id);
		return -EINVAL;
	}
	memset(stats, 0, sizeof(*stats));
	if (dev->dev_ops->stats_get == NULL)
		return -ENOTSUP;
	return dev->dev_ops->stats_get(dev, stats);
}

int ethdev_stats_reset(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);

	if (dev == NULL)
		return -ENODEV;
	if (dev->dev_ops->stats_reset == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot reset its counters",
			port_id, dev->driver->name);
		return -ENOTSUP;
	}
	return dev->dev_ops->stats_reset(dev);
}

static unsigned nb_rxq_stats(const struct ethdev *dev)
{
	return EAL_MIN((unsigned)dev->data.nb_rx_queues, (unsigned)ETHDEV_QUEUE_STAT_CNTRS);
}

static unsigned nb_txq_stats(const struct ethdev *dev)
{
	return EAL_MIN((unsigned)dev->data.nb_tx_queues, (unsigned)ETHDEV_QUEUE_STAT_CNTRS);
}

static unsigned generic_count(const struct ethdev *dev)
{
	return (unsigned)(EAL_DIM(port_xstats) + nb_rxq_stats(dev) * EAL_DIM(rxq_xstats) +
			  nb_txq_stats(dev) * EAL_DIM(txq_xstats));
}

static int driver_count(struct ethdev *dev)
{
	int n;

	if (dev->dev_ops->xstats_get_names == NULL)
		return 0;
	n = dev->dev_ops->xstats_get_names(dev, NULL, 0);
	if (n < 0)
		EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s cannot list its statistics: %s",
			dev->data.port_id, dev->driver->name, strerror(-n));
	return n;
}

int ethdev_xstats_get_names(uint16_t port_id, struct ethdev_xstat_name *names, unsigned size)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	unsigned i, q, k = 0, generic;
	int nb_drv;

	if (dev == NULL)
		return -ENODEV;
	nb_drv = driver_count(dev);
	if (nb_drv < 0)
		return nb_drv;
	generic = generic_count(dev);
	if (names == NULL || size < generic + (unsigned)nb_drv)
		return (int)(generic + (unsigned)nb_drv);

	for (i = 0; i < EAL_DIM(port_xstats); i++)
		snprintf(names[k++].name, ETHDEV_XSTATS_NAME_SIZE, "%s", port_xstats[i].name);
	for (q = 0; q < nb_rxq_stats(dev); q++)
		for (i = 0; i < EAL_DIM(rxq_xstats); i++)
			snprintf(names[k++].name, ETHDEV_XSTATS_NAME_SIZE, "rx_q%u_%s", q,
				 rxq_xstats[i].name);
	for (q = 0; q < nb_txq_stats(dev); q++)
		for (i = 0; i < EAL_DIM(txq_xstats); i++)
			snprintf(names[k++].name, ETHDEV_XSTATS_NAME_SIZE, "tx_q%u_%s", q,
				 txq_xstats[i].name);
	if (nb_drv > 0) {
		int n = dev->dev_ops->xstats_get_names(dev, names + k, size - k);

		if (n != nb_drv) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s listed %d statistics, then %d",
				port_id, dev->driver->name, nb_drv, n);
			return n < 0 ? n : -EIO;
		}
	}
	return (int)(generic + (unsigned)nb_drv);
}

static uint64_t stat_at(const struct ethdev_stats *stats, size_t offset, unsigned index)
{
	const uint64_t *field = (const uint64_t *)(const void *)((const char *)stats + offset);

	return field[index];
}

int ethdev_xstats_get(uint16_t port_id, struct ethdev_xstat *xstats, unsigned n)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	struct ethdev_stats stats;
	unsigned i, q, k = 0, generic;
	int nb_drv, rc;

	if (dev == NULL)
		return -ENODEV;
	nb_drv = driver_count(dev);
	if (nb_drv < 0)
		return nb_drv;
	generic = generic_count(dev);
	if (xstats == NULL || n < generic + (unsigned)nb_drv)
		return (int)(generic + (unsigned)nb_drv);

	rc = ethdev_stats_get(port_id, &stats);
	if (rc < 0)
		return rc;
	for (i = 0; i < EAL_DIM(port_xstats); i++)
		xstats[k++].value = stat_at(&stats, port_xstats[i].offset, 0);
	for (q = 0; q < nb_rxq_stats(dev); q++)
		for (i = 0; i < EAL_DIM(rxq_xstats); i++)
			xstats[k++].value = stat_at(&stats, rxq_xstats[i].offset, q);
	for (q = 0; q < nb_txq_stats(dev); q++)
		for (i = 0; i < EAL_DIM(txq_xstats); i++)
			xstats[k++].value = stat_at(&stats, txq_xstats[i].offset, q);
	if (nb_drv > 0) {
		rc = dev->dev_ops->xstats_get(dev, xstats + k, n - k);
		if (rc != nb_drv) {
			EAL_LOG(ethdev_logtype, ERR, "port %u: driver %s returned %d statistics, expected %d",
				port_id, dev->driver->name, rc, nb_drv);
			return rc < 0 ? rc : -EIO;
		}
	}
	for (i = 0; i < generic + (unsigned)nb_drv; i++)
		xstats[i].id = i;
	return (int)(generic + (unsigned)nb_drv);
}

int ethdev_xstats_reset(uint16_t port_id)
{
	struct ethdev *dev = ethdev_lookup(port_id, __func__);
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (dev->dev_ops->xstats_reset != NULL) {
		rc = dev->dev_ops->xstats_reset(dev);
		if (rc < 0)
			return rc;
	}
	return ethdev_stats_reset(port_id);
}

int ethdev_xstats_get_by_name(uint16_t port_id, const char *name, uint64_t *value)
{
	struct ethdev_xstat_name *names = NULL;
	struct ethdev_xstat *values = NULL;
	int n, i, rc = -ENOENT;

	if (name == NULL || value == NULL) {
		EAL_LOG(ethdev_logtype, ERR, "ethdev_xstats_get_by_name: NULL argument");
		return -EINVAL;
	}
	n = ethdev_xstats_get_names(port_id, NULL, 0);
	if (n <= 0)
		return n < 0 ? n : -ENOENT;
	names = calloc((size_t)n, sizeof(*names));
	values = calloc((size_t)n, sizeof(*values));
	if (names == NULL || values == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (ethdev_xstats_get_names(port_id, names, (unsigned)n) != n ||
	    ethdev_xstats_get(port_id, values, (unsigned)n) != n) {
		/* The configuration changed between the calls. */
		rc = -EAGAIN;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*value = values[i].value;
			rc = 0;
			break;
		}
	}
	if (rc == -ENOENT)
		EAL_LOG(ethdev_logtype, INFO, "port %u: no statistic named %s", port_id, name);
out:
	free(names);
	free(values);
	return rc;
}
