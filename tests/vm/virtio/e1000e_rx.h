/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Just enough of the 82574L (QEMU's e1000e) to receive frames by DMA into
 * one legacy receive ring, polled. Test-only, like ../vfio_cont/e1000e_tx.h,
 * whose e1000e_tx_start() (device reset, link up) must run first.
 */
#ifndef E1000E_RX_H
#define E1000E_RX_H

#include <stddef.h>
#include <stdint.h>

#define E1000E_RX_BUF_SIZE 2048u

struct e1000e_legacy_rx_desc;

struct e1000e_rx {
	volatile uint32_t *regs;
	volatile struct e1000e_legacy_rx_desc *ring;
	uint8_t *bufs;            /* nb_desc buffers of E1000E_RX_BUF_SIZE */
	uint32_t nb_desc;
	uint32_t next;            /* next descriptor to look at */
};

/* Bytes of DMA memory e1000e_rx_start() needs for @nb_desc descriptors
 * and their buffers (@nb_desc a multiple of 8). */
size_t e1000e_rx_mem_bytes(uint32_t nb_desc);

/* Program the receive ring in @mem (CPU) / @iova (device) and enable
 * reception of every frame (promiscuous, broadcast, CRC stripped). */
void e1000e_rx_start(struct e1000e_rx *rx, volatile void *bar0, void *mem, uint64_t iova,
		     uint32_t nb_desc);

/* The next received frame: @return its length and sets *@frame, or 0 when
 * none is there. Give it back with e1000e_rx_release() before the next. */
size_t e1000e_rx_poll(struct e1000e_rx *rx, const uint8_t **frame);
void e1000e_rx_release(struct e1000e_rx *rx);

/* Disable reception. */
void e1000e_rx_stop(struct e1000e_rx *rx);

#endif /* E1000E_RX_H */
