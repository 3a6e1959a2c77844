/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Just enough of the Intel 82574L (QEMU's e1000e) to send frames by DMA:
 * reset, link up, one legacy transmit ring, polled completion. Test-only:
 * it proves what the IOMMU lets the device read, it is not a driver.
 */
#ifndef E1000E_TX_H
#define E1000E_TX_H

#include <stddef.h>
#include <stdint.h>

struct e1000e_legacy_tx_desc;

struct e1000e_tx {
	volatile uint32_t *regs;  /* BAR0, mapped */
	volatile struct e1000e_legacy_tx_desc *ring;
	uint32_t nb_desc;
	uint32_t tail;
};

/* Bytes of ring memory e1000e_tx_start() needs for @nb_desc descriptors
 * (a multiple of 8: TDLEN counts 128-byte units). */
size_t e1000e_tx_ring_bytes(uint32_t nb_desc);

/* Reset the device, mask interrupts, wait for link, program the TX ring at
 * @ring (CPU address) / @ring_iova (device address), enable TX.
 * @return 0, or -ETIMEDOUT (message printed). */
int e1000e_tx_start(struct e1000e_tx *tx, volatile void *bar0, void *ring,
		    uint64_t ring_iova, uint32_t nb_desc);

/* Queue @len bytes at device address @iova as one frame and wait (up to
 * @timeout_ms) for the device to write the descriptor back.
 * @return 0, or -ETIMEDOUT. */
int e1000e_tx_send(struct e1000e_tx *tx, uint64_t iova, size_t len, unsigned timeout_ms);

/* Disable TX. */
void e1000e_tx_stop(struct e1000e_tx *tx);

/* A broadcast frame of ethertype 0x88b5 (IEEE local experimental) carrying
 * @text, padded to 60 bytes, into @buf (@room bytes). @return its length,
 * 0 if it does not fit. */
size_t e1000e_build_frame(uint8_t *buf, size_t room, const char *text);

#endif /* E1000E_TX_H */
