/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding of a PCI function's config space as vfio-lspci prints it. Works on
 * a copy of config space (read once through the VFIO config region) so that
 * decoding never touches the device, and so that it can be tested on bytes.
 */
#ifndef VFIO_LSPCI_CONFIG_DECODE_H
#define VFIO_LSPCI_CONFIG_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Number of BARs of a type 0 header. */
#define CFG_MAX_BARS 6

/* What the decoder knows beyond config space itself. */
struct cfg_context {
	/* Size of each BAR's VFIO region (0: absent). Config space holds only
	 * base addresses; sizing a BAR would mean writing to it, which an
	 * inspection tool must not do. */
	uint64_t bar_sizes[CFG_MAX_BARS];
	/* 0: summary, 1: every field (-v), 2: plus a hex dump (-vv). */
	int verbosity;
};

/*
 * Print @p cfg (@p len bytes of config space, at least 64) decoded as
 * "lspci -vv" would, to @p out. Malformed capability lists (pointers into the
 * header, loops, lengths past the end) are reported in the output and the
 * walk stops there.
 * @return the number of problems found in the config space (0: well formed).
 */
int cfg_decode(FILE *out, const uint8_t *cfg, size_t len,
	       const struct cfg_context *ctx);

/* "Ethernet controller" etc. for a 16-bit class/subclass, or NULL. */
const char *cfg_class_name(uint16_t class_sub);

/* Human-readable size: "16K", "4M" (lspci's style), into @p buf. */
const char *cfg_size_str(uint64_t size, char *buf, size_t buflen);

#endif /* VFIO_LSPCI_CONFIG_DECODE_H */
