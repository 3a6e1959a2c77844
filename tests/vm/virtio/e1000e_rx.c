/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Legacy receive path of the e1000 family, at the offsets QEMU's e1000e
 * implements. Register names and descriptor layout follow Intel's "PCI/PCI-X
 * Family of Gigabit Ethernet Controllers Software Developer's Manual"
 * (317453): Receive Control (RCTL, 00100h), Receive Descriptor Base
 * Address Low/High (RDBAL 02800h, RDBAH 02804h), Length (RDLEN 02808h),
 * Head (RDH 02810h), Tail (RDT 02818h); Legacy Receive Descriptor Format
 * (section 3.2.3).
 */
#include <string.h>

#include "e1000e_rx.h"

#define E1000_RCTL 0x00100
#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_UPE (1u << 3)    /* unicast promiscuous */
#define E1000_RCTL_MPE (1u << 4)    /* multicast promiscuous */
#define E1000_RCTL_BAM (1u << 15)   /* accept broadcast */
#define E1000_RCTL_SECRC (1u << 26) /* strip the Ethernet CRC */
/* RCTL.BSIZE = 00b with BSEX = 0: 2048-byte buffers. */
#define E1000_RDBAL 0x02800
#define E1000_RDBAH 0x02804
#define E1000_RDLEN 0x02808
#define E1000_RDH 0x02810
#define E1000_RDT 0x02818

struct e1000e_legacy_rx_desc {
	uint64_t buffer_addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000e_legacy_rx_desc) == 16,
	       "a legacy receive descriptor is 16 bytes");
#define E1000_RXD_STAT_DD 0x01  /* descriptor done */
#define E1000_RXD_STAT_EOP 0x02 /* end of packet */

static void reg_write(const struct e1000e_rx *rx, uint32_t reg, uint32_t v)
{
	rx->regs[reg / 4] = v;
}

size_t e1000e_rx_mem_bytes(uint32_t nb_desc)
{
	return (size_t)nb_desc * (sizeof(struct e1000e_legacy_rx_desc) + E1000E_RX_BUF_SIZE);
}

void e1000e_rx_start(struct e1000e_rx *rx, volatile void *bar0, void *mem, uint64_t iova,
		     uint32_t nb_desc)
{
	size_t ring_bytes = (size_t)nb_desc * sizeof(struct e1000e_legacy_rx_desc);
	uint32_t i;

	memset(rx, 0, sizeof(*rx));
	memset(mem, 0, e1000e_rx_mem_bytes(nb_desc));
	rx->regs = bar0;
	rx->ring = mem;
	rx->bufs = (uint8_t *)mem + ring_bytes;
	rx->nb_desc = nb_desc;
	for (i = 0; i < nb_desc; i++)
		rx->ring[i].buffer_addr = iova + ring_bytes + (uint64_t)i * E1000E_RX_BUF_SIZE;
	reg_write(rx, E1000_RCTL, 0);
	reg_write(rx, E1000_RDBAL, (uint32_t)iova);
	reg_write(rx, E1000_RDBAH, (uint32_t)(iova >> 32));
	reg_write(rx, E1000_RDLEN, (uint32_t)ring_bytes);
	reg_write(rx, E1000_RDH, 0);
	/* One descriptor stays back: head == tail means the ring is empty. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	reg_write(rx, E1000_RDT, nb_desc - 1);
	reg_write(rx, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_UPE | E1000_RCTL_MPE |
				  E1000_RCTL_BAM | E1000_RCTL_SECRC);
}

size_t e1000e_rx_poll(struct e1000e_rx *rx, const uint8_t **frame)
{
	volatile struct e1000e_legacy_rx_desc *d = &rx->ring[rx->next];

	if (!(d->status & E1000_RXD_STAT_DD))
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*frame = rx->bufs + (size_t)rx->next * E1000E_RX_BUF_SIZE;
	return d->length;
}

void e1000e_rx_release(struct e1000e_rx *rx)
{
	volatile struct e1000e_legacy_rx_desc *d = &rx->ring[rx->next];

	d->status = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* The slot just read goes back to the device as the new tail. */
	reg_write(rx, E1000_RDT, rx->next);
	rx->next = (rx->next + 1) % rx->nb_desc;
}

void e1000e_rx_stop(struct e1000e_rx *rx)
{
	if (rx->regs != NULL)
		reg_write(rx, E1000_RCTL, 0);
}
