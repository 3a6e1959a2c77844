/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared between the files of lib/ethdev. Not installed.
 */
#ifndef UPDK_ETHDEV_PRIVATE_H
#define UPDK_ETHDEV_PRIVATE_H

#include "ethdev_driver.h"

/* The attached port @port_id, or NULL after logging, in the name of
 * @caller, that it does not exist. */
struct ethdev *ethdev_lookup(uint16_t port_id, const char *caller);

/* Capabilities with ethdev's defaults filled in and limits clamped. */
int ethdev_info_fill(struct ethdev *dev, struct ethdev_info *info);

#endif /* UPDK_ETHDEV_PRIVATE_H */
