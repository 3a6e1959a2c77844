/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Register pokes for the e1000 family's legacy transmit path, which QEMU's
 * e1000e (82574L) implements at the same offsets as the 8254x. Citations
 * are to Intel's "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (order number 317453, "SDM" below), whose sections
 * were checked; a register whose section number was not checked is cited
 * by its name and offset only. The 82574 datasheet (317694) describes the
 * same registers under its own numbering.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e1000e_tx.h"

#define E1000_CTRL 0x00000          /* Device Control Register (CTRL), 00000h */
#define E1000_CTRL_SLU (1u << 6)    /* Set Link Up */
#define E1000_CTRL_RST (1u << 26)   /* Device Reset, self-clearing */
#define E1000_STATUS 0x00008        /* Device Status Register (STATUS), 00008h */
#define E1000_STATUS_LU (1u << 1)   /* Link Up */
#define E1000_IMC 0x000d8           /* Interrupt Mask Clear Register (IMC), 000D8h */
#define E1000_TCTL 0x00400          /* Transmit Control Register (TCTL), SDM Table 13-76 */
#define E1000_TCTL_EN (1u << 1)     /* Transmit Enable */
#define E1000_TCTL_PSP (1u << 3)    /* Pad Short Packets (to 64 bytes) */
#define E1000_TCTL_CT(x) ((uint32_t)(x) << 4)    /* Collision Threshold, 0Fh advised */
#define E1000_TCTL_COLD(x) ((uint32_t)(x) << 12) /* Collision Distance, full duplex 40h */
#define E1000_TDBAL 0x03800         /* Transmit Descriptor Base Address Low (TDBAL), 03800h */
#define E1000_TDBAH 0x03804         /* SDM §13.4.37 Transmit Descriptor Base Address High */
#define E1000_TDLEN 0x03808         /* SDM §13.4.38 Transmit Descriptor Length: bytes,
				     * a multiple of 128 */
#define E1000_TDH 0x03810           /* SDM §13.4.39 Transmit Descriptor Head */
#define E1000_TDT 0x03818           /* SDM §13.4.40 Transmit Descriptor Tail */

/* SDM §3.3.3 Legacy Transmit Descriptor Format (TDESC.DEXT = 0), Table 3-8. */
struct e1000e_legacy_tx_desc {
	uint64_t buffer_addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000e_legacy_tx_desc) == 16,
	       "a legacy transmit descriptor is 16 bytes");
/* TDESC.CMD and TDESC.STATUS bits of the legacy descriptor (SDM §3.3.3):
 * with RS set, the device writes DD back once it has processed it. */
#define E1000_TXD_CMD_EOP 0x01      /* End Of Packet */
#define E1000_TXD_CMD_IFCS 0x02     /* Insert FCS */
#define E1000_TXD_CMD_RS 0x08       /* Report Status */
#define E1000_TXD_STA_DD 0x01       /* Descriptor Done */

#define ETHERTYPE_LOCAL_EXPERIMENTAL 0x88b5
#define MIN_FRAME_LEN 60            /* without the FCS the device adds */
#define RESET_TIMEOUT_MS 1000
#define LINK_TIMEOUT_MS 5000

static uint32_t reg_read(const struct e1000e_tx *tx, uint32_t reg)
{
	return tx->regs[reg / 4];
}

static void reg_write(const struct e1000e_tx *tx, uint32_t reg, uint32_t v)
{
	tx->regs[reg / 4] = v;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

size_t e1000e_tx_ring_bytes(uint32_t nb_desc)
{
	return ((nb_desc + 7u) & ~7u) * sizeof(struct e1000e_legacy_tx_desc);
}

int e1000e_tx_start(struct e1000e_tx *tx, volatile void *bar0, void *ring,
		    uint64_t ring_iova, uint32_t nb_desc)
{
	uint64_t deadline;

	memset(tx, 0, sizeof(*tx));
	tx->regs = bar0;
	tx->ring = ring;
	tx->nb_desc = (nb_desc + 7u) & ~7u;
	memset(ring, 0, e1000e_tx_ring_bytes(nb_desc));

	/* Mask interrupts, reset through CTRL.RST (it clears itself), mask
	 * again: the reset restores the defaults. We poll; no IRQs. */
	reg_write(tx, E1000_IMC, 0xffffffffu);
	reg_write(tx, E1000_CTRL, reg_read(tx, E1000_CTRL) | E1000_CTRL_RST);
	deadline = now_ms() + RESET_TIMEOUT_MS;
	while ((reg_read(tx, E1000_CTRL) & E1000_CTRL_RST) && now_ms() < deadline)
		usleep(100);
	if (reg_read(tx, E1000_CTRL) & E1000_CTRL_RST) {
		printf("e1000e: CTRL.RST did not clear\n");
		return -ETIMEDOUT;
	}
	reg_write(tx, E1000_IMC, 0xffffffffu);
	reg_write(tx, E1000_CTRL, reg_read(tx, E1000_CTRL) | E1000_CTRL_SLU);
	deadline = now_ms() + LINK_TIMEOUT_MS;
	while (!(reg_read(tx, E1000_STATUS) & E1000_STATUS_LU) && now_ms() < deadline)
		usleep(1000);
	if (!(reg_read(tx, E1000_STATUS) & E1000_STATUS_LU)) {
		printf("e1000e: no link (STATUS 0x%08x)\n", reg_read(tx, E1000_STATUS));
		return -ETIMEDOUT;
	}
	/* Ring base and length; head and tail are written only after a reset
	 * and before TCTL.EN (SDM §13.4.39); then enable. */
	reg_write(tx, E1000_TDBAL, (uint32_t)ring_iova);
	reg_write(tx, E1000_TDBAH, (uint32_t)(ring_iova >> 32));
	reg_write(tx, E1000_TDLEN, (uint32_t)e1000e_tx_ring_bytes(nb_desc));
	reg_write(tx, E1000_TDH, 0);
	reg_write(tx, E1000_TDT, 0);
	reg_write(tx, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT(0x0f) |
				  E1000_TCTL_COLD(0x3f));
	return 0;
}

int e1000e_tx_send(struct e1000e_tx *tx, uint64_t iova, size_t len, unsigned timeout_ms)
{
	volatile struct e1000e_legacy_tx_desc *d = &tx->ring[tx->tail];
	uint64_t deadline;

	d->buffer_addr = iova;
	d->length = (uint16_t)len;
	d->cso = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	tx->tail = (tx->tail + 1) % tx->nb_desc;
	/* The descriptor must be in memory before the doorbell (TDT). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	reg_write(tx, E1000_TDT, tx->tail);
	deadline = now_ms() + timeout_ms;
	while (!(d->status & E1000_TXD_STA_DD) && now_ms() < deadline)
		;
	if (!(d->status & E1000_TXD_STA_DD)) {
		printf("e1000e: descriptor not written back in %u ms (TDH %u TDT %u)\n",
		       timeout_ms, reg_read(tx, E1000_TDH), reg_read(tx, E1000_TDT));
		return -ETIMEDOUT;
	}
	return 0;
}

void e1000e_tx_stop(struct e1000e_tx *tx)
{
	if (tx->regs != NULL)
		reg_write(tx, E1000_TCTL, 0);
}

size_t e1000e_build_frame(uint8_t *buf, size_t room, const char *text)
{
	static const uint8_t dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t src[6] = { 0x02, 0x75, 0x70, 0x64, 0x6b, 0x02 };
	size_t len = 14 + strlen(text);

	if (len < MIN_FRAME_LEN)
		len = MIN_FRAME_LEN;
	if (room < len)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, dst, sizeof(dst));
	memcpy(buf + 6, src, sizeof(src));
	buf[12] = ETHERTYPE_LOCAL_EXPERIMENTAL >> 8;
	buf[13] = ETHERTYPE_LOCAL_EXPERIMENTAL & 0xff;
	memcpy(buf + 14, text, strlen(text));
	return len;
}
